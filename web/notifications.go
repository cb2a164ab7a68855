package web

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow/web/apiclient"
)

type inboxPage struct {
	*apiclient.Inbox
	Pref *apiclient.NotificationPreference
}

// notifications is the person's inbox: every message the service sent
// them, unread first, so nothing depends on email alone.
func (s *server) notifications(w http.ResponseWriter, r *http.Request) {
	inbox, err := s.api.ListMyNotificationsWithResponse(r.Context())
	if err := check(inbox, err); err != nil {
		s.fail(w, r, err)
		return
	}
	pref, err := s.api.GetNotificationPreferenceWithResponse(r.Context())
	if err := check(pref, err); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "notifications", view{Title: "Notifications", Data: inboxPage{inbox.JSON200, pref.JSON200}})
}

func (s *server) readNotification(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	res, err := s.api.MarkNotificationReadWithResponse(r.Context(), id, nil, keyed(r))
	s.done(w, r, check(res, err), "Marked as read", "/notifications")
}

func (s *server) setPreference(w http.ResponseWriter, r *http.Request) {
	res, err := s.api.SetNotificationPreferenceWithResponse(r.Context(), nil,
		apiclient.SetNotificationPreferenceJSONRequestBody{Digest: r.PostFormValue("digest") == "true"}, keyed(r))
	s.done(w, r, check(res, err), "Your email preference is saved", "/notifications")
}
