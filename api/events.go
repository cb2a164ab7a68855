package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/fundflow/fundflow"
)

var eventIDPattern = regexp.MustCompile(`^(0|[0-9]+-[0-9]+)$`)

// eventsBlock is how long one read of the stream waits. Redis cannot be
// interrupted mid-wait, so it is short enough for a disconnected client to
// release its connection promptly; a comment goes out every keepAlive so
// proxies keep a quiet stream open.
const (
	eventsBlock = time.Second
	keepAlive   = 15 * time.Second
)

// events streams application status changes as Server-Sent Events, each
// with the stream id as its SSE id, so a reconnecting client resumes with
// Last-Event-ID. Applicants receive only their own organisation's.
func (s *server) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		s.writeError(w, r, fundflow.Errorf(fundflow.EINTERNAL, "streaming is not supported here"))
		return
	}
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("last_event_id")
	}
	if last != "" && !eventIDPattern.MatchString(last) {
		s.writeError(w, r, &fundflow.Error{Code: fundflow.EVALIDATION, Message: "Last-Event-ID is not an id this stream issued",
			Fields: []fundflow.FieldError{{Field: "Last-Event-ID", Message: "must be an event id"}}})
		return
	}
	ctx := r.Context()
	if last == "" {
		id, err := s.ReadModel.LastEventID(ctx)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		last = id
	}
	p := principal(ctx)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": fundflow events\n\n")
	flusher.Flush()
	quietSince := time.Now()
	for ctx.Err() == nil {
		evs, err := s.ReadModel.Events(ctx, last, eventsBlock)
		if err != nil {
			if ctx.Err() == nil {
				fmt.Fprint(w, "event: error\ndata: {\"code\":\"unavailable\"}\n\n")
				flusher.Flush()
			}
			return
		}
		if len(evs) == 0 {
			if time.Since(quietSince) >= keepAlive {
				fmt.Fprint(w, ": keep-alive\n\n")
				flusher.Flush()
				quietSince = time.Now()
			}
			continue
		}
		quietSince = time.Now()
		for _, e := range evs {
			last = e.ID
			if p.Role == fundflow.RoleApplicant && e.OrgCode != p.OrgCode {
				continue
			}
			b, _ := json.Marshal(e)
			fmt.Fprintf(w, "id: %s\nevent: status\ndata: %s\n\n", e.ID, b)
		}
		flusher.Flush()
	}
}
