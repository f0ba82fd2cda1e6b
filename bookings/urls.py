from django.urls import path

from .views import client, desk, desk_waitlist, flow, practice, tablet

urlpatterns = [
    # Clients
    path("bookings/book/", flow.book_start, name="book_start"),
    path("bookings/book/<slug:slug>/", flow.book_areas, name="book_areas"),
    path("bookings/book/<slug:slug>/calendar/", flow.book_calendar, name="book_calendar"),
    path("bookings/book/<slug:slug>/times/", flow.book_times, name="book_times"),
    path("bookings/book/<slug:slug>/confirm/", flow.book_confirm, name="book_confirm"),
    path("bookings/appointments/", client.my_appointments, name="my_appointments"),
    path("bookings/appointments/<int:appointment_id>/", client.my_appointment, name="my_appointment"),
    path(
        "bookings/appointments/<int:appointment_id>/cancel/", client.my_appointment_cancel, name="my_appointment_cancel"
    ),
    path(
        "bookings/appointments/<int:appointment_id>/session.ics", client.my_appointment_ics, name="my_appointment_ics"
    ),
    path("bookings/course/", client.my_course, name="my_course"),
    path("bookings/waitlist/<slug:slug>/", client.waitlist_join_view, name="waitlist_join"),
    path("bookings/waitlist/entries/<int:entry_id>/leave/", client.waitlist_leave_view, name="waitlist_leave"),
    # Front desk
    path("desk/day/", desk.desk_day, name="desk_day"),
    path("desk/day/sheet/", desk.desk_day_sheet, name="desk_day_sheet"),
    path("desk/week/", desk.desk_week, name="desk_week"),
    path("desk/clients/", desk.desk_clients, name="desk_clients"),
    path("desk/clients/<int:client_id>/", desk.desk_client, name="desk_client"),
    path("desk/clients/<int:client_id>/book/", flow.book_start, name="desk_book_start"),
    path("desk/clients/<int:client_id>/book/<slug:slug>/", flow.book_areas, name="desk_book_areas"),
    path("desk/clients/<int:client_id>/book/<slug:slug>/calendar/", flow.book_calendar, name="desk_book_calendar"),
    path("desk/clients/<int:client_id>/book/<slug:slug>/times/", flow.book_times, name="desk_book_times"),
    path("desk/clients/<int:client_id>/book/<slug:slug>/confirm/", flow.book_confirm, name="desk_book_confirm"),
    path("desk/appointments/<int:appointment_id>/", desk.desk_appointment, name="desk_appointment"),
    path("desk/appointments/<int:appointment_id>/check-in/", desk.desk_check_in, name="desk_check_in"),
    path("desk/appointments/<int:appointment_id>/no-show/", desk.desk_no_show, name="desk_no_show"),
    path("desk/appointments/<int:appointment_id>/start/", desk.desk_start, name="desk_start"),
    path("desk/appointments/<int:appointment_id>/cancel/", desk.desk_cancel, name="desk_cancel"),
    path("desk/appointments/<int:appointment_id>/health-update/", desk.desk_health_update, name="desk_health_update"),
    path("desk/appointments/<int:appointment_id>/session.ics", desk.desk_appointment_ics, name="desk_appointment_ics"),
    path("desk/appointments/<int:appointment_id>/tablet/", tablet.desk_tablet_open, name="desk_tablet_open"),
    path("desk/appointments/<int:appointment_id>/tablet/status/", tablet.desk_tablet_status, name="desk_tablet_status"),
    path("desk/waitlist/", desk_waitlist.desk_waitlist, name="desk_waitlist"),
    path("desk/clients/<int:client_id>/waitlist/", desk_waitlist.desk_waitlist_join, name="desk_waitlist_join"),
    path("desk/waitlist/<int:entry_id>/offer/", desk_waitlist.desk_waitlist_offer, name="desk_waitlist_offer"),
    # The clinic's tablet: no account, one check-in at a time (bookings.tablet)
    path("tablet/", tablet.tablet_start, name="tablet_start"),
    path("tablet/check-in/", tablet.tablet_check_in, name="tablet_check_in"),
    path("tablet/done/", tablet.tablet_done, name="tablet_done"),
    # Practitioners
    path("practice/day/", practice.practice_day, name="practice_day"),
    path("practice/week/", practice.practice_week, name="practice_week"),
    path("practice/calendar-feed/", practice.practice_calendar_feed, name="practice_calendar_feed"),
    path("calendar/feed/<str:token>.ics", practice.calendar_feed, name="calendar_feed"),
]
