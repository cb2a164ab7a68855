package api

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/readmodel"
)

var eventIDPattern = regexp.MustCompile(`^(0|[0-9]+-[0-9]+)$`)

// eventsBlock is how long the fan-out reader's read of the stream waits;
// keepAlive is how often a stream with nothing to send gets a comment, so
// proxies keep it open. A var so tests can shorten it.
var (
	eventsBlock = 5 * time.Second
	keepAlive   = 15 * time.Second
)

// subscriberBuffer is how many events a stream may fall behind the reader
// before it is ended; its client reconnects with Last-Event-ID and catches
// up from Redis.
const subscriberBuffer = 512

// eventHub is the process's one reader of the event stream. Every SSE
// client subscribes to it instead of holding its own blocking read, which
// held a pooled Redis connection per client and starved ordinary requests.
// It runs while anyone listens.
type eventHub struct {
	rm  *readmodel.Store
	log *slog.Logger

	mu      sync.Mutex
	subs    map[*subscriber]struct{}
	running bool
}

type subscriber struct {
	ch chan readmodel.Event
	// failed is closed, after ch, when the reader could not read.
	failed bool
}

func newEventHub(rm *readmodel.Store, log *slog.Logger) *eventHub {
	return &eventHub{rm: rm, log: log, subs: map[*subscriber]struct{}{}}
}

// subscribe registers a subscriber, starting the reader from the newest
// event if it is not running. Events before that are the subscriber's to
// catch up on.
func (h *eventHub) subscribe(ctx context.Context) (*subscriber, error) {
	sub := &subscriber{ch: make(chan readmodel.Event, subscriberBuffer)}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.subs[sub] = struct{}{}
	if !h.running {
		from, err := h.rm.LastEventID(ctx)
		if err != nil {
			delete(h.subs, sub)
			return nil, err
		}
		h.running = true
		go h.run(from)
	}
	return sub, nil
}

func (h *eventHub) unsubscribe(sub *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[sub]; ok {
		delete(h.subs, sub)
		close(sub.ch)
	}
}

func (h *eventHub) run(last string) {
	ctx := context.Background()
	for {
		h.mu.Lock()
		if len(h.subs) == 0 {
			h.running = false
			h.mu.Unlock()
			return
		}
		h.mu.Unlock()
		evs, err := h.rm.Events(ctx, last, eventsBlock)
		h.mu.Lock()
		if err != nil {
			h.log.Warn("event stream unavailable", slog.Any("error", err))
			for sub := range h.subs {
				sub.failed = true
				delete(h.subs, sub)
				close(sub.ch)
			}
			h.running = false
			h.mu.Unlock()
			return
		}
		for _, e := range evs {
			last = e.ID
			for sub := range h.subs {
				select {
				case sub.ch <- e:
				default:
					// Too far behind: end it, and let the client resume.
					delete(h.subs, sub)
					close(sub.ch)
				}
			}
		}
		h.mu.Unlock()
	}
}

// after reports whether event id a comes after b.
func after(a, b string) bool {
	am, as := splitEventID(a)
	bm, bs := splitEventID(b)
	return am > bm || am == bm && as > bs
}

func splitEventID(id string) (uint64, uint64) {
	ms, seq, _ := strings.Cut(id, "-")
	m, _ := strconv.ParseUint(ms, 10, 64)
	s, _ := strconv.ParseUint(seq, 10, 64)
	return m, s
}

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
	// Subscribe before catching up, so nothing falls between the two;
	// events seen twice are skipped by id.
	sub, err := s.hub.subscribe(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer s.hub.unsubscribe(sub)
	if last == "" {
		if last, err = s.ReadModel.LastEventID(ctx); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	by := principal(ctx).Actor()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": fundflow events\n\n")
	flusher.Flush()
	// send writes e if it is new and the caller may see it, reporting
	// whether it wrote.
	send := func(e readmodel.Event) bool {
		if !after(e.ID, last) {
			return false
		}
		last = e.ID
		if !by.MaySee(e.OrgCode) {
			return false
		}
		b, _ := json.Marshal(e)
		fmt.Fprintf(w, "id: %s\nevent: status\ndata: %s\n\n", e.ID, b)
		return true
	}
	// Catch up from Redis without blocking, a page at a time.
	for {
		evs, err := s.ReadModel.Events(ctx, last, -1)
		if err != nil {
			if ctx.Err() == nil {
				fmt.Fprint(w, "event: error\ndata: {\"code\":\"unavailable\"}\n\n")
				flusher.Flush()
			}
			return
		}
		for _, e := range evs {
			send(e)
		}
		flusher.Flush()
		if len(evs) == 0 {
			break
		}
	}
	// Keep-alives count from the last write, not the last event: an
	// applicant whose every event is filtered out still gets them.
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			fmt.Fprint(w, ": keep-alive\n\n")
			flusher.Flush()
		case e, ok := <-sub.ch:
			if !ok {
				if sub.failed {
					fmt.Fprint(w, "event: error\ndata: {\"code\":\"unavailable\"}\n\n")
					flusher.Flush()
				}
				return
			}
			wrote := send(e)
			// Drain what else is ready, then flush once.
			for more := true; more; {
				select {
				case e, ok := <-sub.ch:
					if !ok {
						more = false
						break
					}
					wrote = send(e) || wrote
				default:
					more = false
				}
			}
			if wrote {
				flusher.Flush()
				tick.Reset(keepAlive)
			}
		}
	}
}
