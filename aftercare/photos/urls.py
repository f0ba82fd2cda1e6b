from django.urls import path

from . import views

urlpatterns = [
    path("aftercare/photos/", views.my_photos, name="photos_mine"),
    path("aftercare/photos/gallery/", views.gallery, name="photos_gallery"),
    path("aftercare/photos/<int:photo_id>/thumb.jpg", views.photo_image, {"rendition": "thumb"}, name="photo_thumb"),
    path("aftercare/photos/<int:photo_id>/full.jpg", views.photo_image, {"rendition": "full"}, name="photo_full"),
    path("aftercare/photos/<int:photo_id>/crop.jpg", views.gallery_image, name="photo_crop"),
    path("aftercare/photos/<int:photo_id>/remove/", views.photo_remove, name="photo_remove"),
    path("aftercare/photos/<int:photo_id>/consents/give/", views.photo_consent_give, name="photo_consent_give"),
    path(
        "aftercare/photos/<int:photo_id>/consents/withdraw/",
        views.photo_consent_withdraw,
        name="photo_consent_withdraw",
    ),
    path("aftercare/appointments/<int:appointment_id>/photos/", views.session_photos, name="photos_session"),
    path("aftercare/courses/<int:course_id>/photos/", views.course_photos, name="photos_course"),
    path("aftercare/courses/<int:course_id>/review.pdf", views.course_review_pdf, name="photos_course_review_pdf"),
]
