package api

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/readmodel"
	"github.com/fundflow/fundflow/internal/application"
)

// byReference lets every /v1/applications/{id} route name the application
// by its reference (PIF-0007) as well as its id: the reference is swapped
// for the id before the handler runs, so each handler, and the access rule
// it applies, sees the id alone.
func (s *server) byReference(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vars := mux.Vars(r)
		tmpl, _ := mux.CurrentRoute(r).GetPathTemplate()
		if ref := vars["id"]; strings.HasPrefix(tmpl, "/v1/applications/{id}") && application.IsReference(ref) {
			id, err := s.applicationID(r.Context(), ref)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			named := maps.Clone(vars)
			named["id"] = id
			r = mux.SetURLVars(r, named)
		}
		next.ServeHTTP(w, r)
	})
}

// applicationID is the id of the application name names, by reference or
// id. References are found through the read model, which every projection
// and `fundflow reindex` keeps; one it has not heard of is not found.
func (s *server) applicationID(ctx context.Context, name string) (string, error) {
	if !application.IsReference(name) {
		return name, nil
	}
	if s.ReadModel == nil {
		return "", fundflow.Errorf(fundflow.ENOTFOUND, "no application %s", name)
	}
	id, err := s.ReadModel.Lookup(ctx, name)
	if errors.Is(err, readmodel.ErrNotFound) {
		return "", fundflow.Errorf(fundflow.ENOTFOUND, "no application %s", name)
	}
	return id, err
}
