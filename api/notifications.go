package api

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/notify"
	"github.com/fundflow/fundflow/workflows"
)

func (s *server) inbox() *notify.Inbox { return &notify.Inbox{Redis: s.Redis, Prefix: s.KeyPrefix} }

// myNotifications is the caller's inbox, unread first. A machine token has
// no person behind it, and so an empty inbox.
func (s *server) myNotifications(w http.ResponseWriter, r *http.Request) {
	items, unread, err := s.inbox().List(r.Context(), principal(r.Context()).ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "unread": unread})
}

// readNotification marks one of the caller's notifications read: in the
// directory, which keeps the fact, then in the inbox the list is served
// from.
func (s *server) readNotification(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	p := principal(r.Context())
	ok, err := s.inbox().Has(r.Context(), p.ID, id)
	switch {
	case err != nil:
		s.writeError(w, r, err)
		return
	case !ok:
		s.writeError(w, r, fundflow.Errorf(fundflow.ENOTFOUND, "no notification %q in your inbox", id))
		return
	}
	if !s.directoryUpdate(w, r, workflows.UpdateMarkNotificationsRead, func(c workflows.Command) any {
		return workflows.MarkNotificationsReadRequest{Command: c, Keys: []string{id}}
	}, nil) {
		return
	}
	if err := s.inbox().MarkRead(r.Context(), p.ID, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "read": true})
}

// preferenceJSON is how the caller wants routine notifications.
type preferenceJSON struct {
	// Digest gathers routine notifications into one email a day.
	Digest bool `json:"digest"`
	// CanChoose is false for applicants and machine tokens, who are always
	// told at once.
	CanChoose bool `json:"can_choose"`
}

func (s *server) myPreference(w http.ResponseWriter, r *http.Request) {
	st, err := s.directoryState(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := principal(r.Context()).ID
	writeJSON(w, http.StatusOK, preferenceJSON{Digest: st.WantsDigest(id), CanChoose: st.CheckSetPreference(id) == nil})
}

func (s *server) setMyPreference(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Digest *bool `json:"digest"`
	}
	if err := decode(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	if body.Digest == nil {
		s.writeError(w, r, fundflow.Invalid{{Field: "digest", Message: "is required: true for a daily digest, false for each at once"}}.Err("the preference is invalid"))
		return
	}
	if !s.directoryUpdate(w, r, workflows.UpdateSetNotificationPreference, func(c workflows.Command) any {
		return workflows.SetNotificationPreferenceRequest{Command: c, Digest: *body.Digest}
	}, nil) {
		return
	}
	writeJSON(w, http.StatusOK, preferenceJSON{Digest: *body.Digest, CanChoose: true})
}
