package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gorilla/mux"
)

// inboxItem is one notification as GET /v1/me/notifications lists it.
type inboxItem struct {
	ID            string    `json:"id"`
	ApplicationID string    `json:"application_id"`
	Subject       string    `json:"subject"`
	Link          string    `json:"link"`
	At            time.Time `json:"at"`
	Read          bool      `json:"read"`
}

type inboxPage struct {
	Items  []inboxItem `json:"items"`
	Unread int         `json:"unread"`
	Pref   preference  `json:"-"`
}

type preference struct {
	Digest    bool `json:"digest"`
	CanChoose bool `json:"can_choose"`
}

// notifications is the person's inbox: every message the service sent
// them, unread first, so nothing depends on email alone.
func (s *server) notifications(w http.ResponseWriter, r *http.Request) {
	var p inboxPage
	if err := s.api.get(r.Context(), "/v1/me/notifications", &p); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.api.get(r.Context(), "/v1/me/notification-preferences", &p.Pref); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "notifications", view{Title: "Notifications", Data: p})
}

func (s *server) readNotification(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	err := s.api.post(r.Context(), "/v1/me/notifications/"+url.PathEscape(id)+"/read", nil, r.PostFormValue("idempotency_key"), nil)
	s.done(w, r, err, "Marked as read", "/notifications")
}

func (s *server) setPreference(w http.ResponseWriter, r *http.Request) {
	err := s.api.put(r.Context(), "/v1/me/notification-preferences", map[string]bool{"digest": r.PostFormValue("digest") == "true"},
		r.PostFormValue("idempotency_key"), nil)
	s.done(w, r, err, "Your email preference is saved", "/notifications")
}
