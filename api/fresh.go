package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/readmodel"
	"github.com/fundflow/fundflow/workflows"
)

// A single read is answered from the application's projection when that is
// at least as new as the caller needs, and from the workflow Query, the
// source of truth, otherwise. "As new as the caller needs" is the highest
// of:
//   - min_version, the version a command answered the caller with;
//   - each version named in If-None-Match, the ETag of a read before;
//   - the floor: the newest version this API has answered from the
//     workflow itself, to anyone (every Query and command raises it).
//
// So a read after a command that answered version N never shows less than
// N, even without a hint, and no caller is shown a version older than one
// another caller was already shown. A change the workflow made by itself
// (a timer, a letter written, a notification sent) shows once its
// projection lands, within milliseconds, or at once with a hint naming it.

// freshness is what a single read asks for: at least min, and 304 when the
// application is still at one of the versions the caller holds.
type freshness struct {
	min  int64
	held []int64
}

func readFreshness(r *http.Request) (freshness, error) {
	var f freshness
	var v fundflow.Invalid
	if s, ok := r.URL.Query()["min_version"]; ok {
		n, err := strconv.ParseInt(s[0], 10, 64)
		if err != nil || n < 0 || len(s) > 1 {
			v.Add("min_version", "must be one whole number from 0, the version a command answered")
		}
		f.min = n
	}
	if err := v.Err("the read parameters are invalid"); err != nil {
		return f, err
	}
	// Entity tags this API never issued (not a quoted version) cannot
	// match, so they are passed over, as RFC 9110 has it.
	for _, tag := range strings.Split(r.Header.Get("If-None-Match"), ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if n, err := strconv.ParseInt(strings.Trim(tag, `"`), 10, 64); err == nil && n >= 0 && len(tag) > 2 && tag[0] == '"' && tag[len(tag)-1] == '"' {
			f.held = append(f.held, n)
			f.min = max(f.min, n)
		}
	}
	return f, nil
}

// unchanged reports that the caller already holds version.
func (f freshness) unchanged(version int64) bool {
	for _, h := range f.held {
		if h == version {
			return true
		}
	}
	return false
}

func versionETag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// freshView is the application for a single read: the projection when it
// is new enough (see above), else the workflow's view.
//
// The projection keeps applicationView's access rule and its cost: an
// applicant asking for another organisation's application is answered by
// applicationView, which spends the same one lookup on it as on a made-up
// id, so the time of a 404 still does not tell whether the id exists.
func (s *server) freshView(r *http.Request, id string, f freshness) (workflows.ApplicationView, error) {
	if v, ok := s.projectedView(r, id, f.min); ok {
		return v, nil
	}
	return s.applicationView(r, id)
}

func (s *server) projectedView(r *http.Request, id string, min int64) (workflows.ApplicationView, bool) {
	var v workflows.ApplicationView
	if s.ReadModel == nil {
		return v, false
	}
	b, version, floor, err := s.ReadModel.View(r.Context(), id)
	switch {
	case errors.Is(err, readmodel.ErrNotFound):
		return v, false
	case err != nil:
		s.log.WarnContext(r.Context(), "projection unreadable; reading the workflow", slog.String("error", err.Error()))
		return v, false
	case version < max(min, floor):
		return v, false
	}
	if err := json.Unmarshal(b, &v); err != nil || v.Version != version {
		s.log.WarnContext(r.Context(), "projection malformed; reading the workflow", slog.Any("error", err))
		return v, false
	}
	by := principal(r.Context()).Actor()
	if !by.MaySee(v.OrgCode) && !onTeam(v, by.ID) {
		return workflows.ApplicationView{}, false
	}
	return v.For(by), true
}

// raiseFloor records a version answered from the workflow; see above. A
// failure costs only freshness for readers without a hint, so it is
// logged, not returned: the answer in hand is the truth.
func (s *server) raiseFloor(ctx context.Context, id string, version int64) {
	if s.ReadModel == nil {
		return
	}
	if err := s.ReadModel.RaiseFloor(ctx, id, version); err != nil {
		s.log.WarnContext(ctx, "read floor not raised", slog.String("error", err.Error()))
	}
}
