// Session photos: small enhancements; the upload works without this file.
(function () {
  // The camera button and the file button are two inputs for one photo: choosing in one clears
  // the other, and the chosen file's name is said under them.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(".ph-upload input[type=file]")) return;
    var form = input.form;
    form.querySelectorAll("input[type=file]").forEach(function (other) {
      if (other !== input) other.value = "";
    });
    var said = form.querySelector(".ph-file-chosen");
    if (!said) return;
    var file = input.files && input.files[0];
    if (!file) { said.textContent = said.dataset.none || ""; return; }
    var size = file.size >= 1000000 ? (file.size / 1000000).toFixed(1) + " MB" : Math.max(1, Math.round(file.size / 1000)) + " kB";
    said.textContent = "Chosen: " + file.name + " (" + size + ")";
  });
})();
