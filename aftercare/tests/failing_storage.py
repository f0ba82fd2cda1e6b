"""A file-system storage whose disk "fills up" at the third file of a photo (the area crop): the
photo service must then delete the two files it had saved."""

from django.core.files.storage import FileSystemStorage


class CropFailsStorage(FileSystemStorage):
    def _save(self, name, content):
        if name.endswith("-crop.jpg"):
            raise OSError(28, "No space left on device")
        return super()._save(name, content)
