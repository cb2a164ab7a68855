package api

import (
	"net/http"
	"regexp"

	"github.com/gorilla/mux"

	"github.com/fundflow/fundflow"
)

// idPattern is every identifier the API takes: application, fund, letter,
// query and milestone ids, ODS codes and list cursors. Ids travel on to
// Temporal as workflow ids and gRPC metadata, which accept printable ASCII
// only; checking them here, in one place, turns a stray "ü" or tab into a
// 4xx instead of an error deep in a client library.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$`)

func validID(s string) bool { return idPattern.MatchString(s) }

// checkID records a problem in v unless s, named field, is empty or an id.
func checkID(v *fundflow.Invalid, field, s string) {
	if s != "" && !validID(s) {
		v.Add(field, "is not an id: use letters, digits, '.', '_', ':' or '-'")
	}
}

// validPathIDs answers 404 for a path whose variables cannot name anything,
// before a handler sends them anywhere.
func validPathIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, v := range mux.Vars(r) {
			if !validID(v) {
				writeProblem(w, http.StatusNotFound, fundflow.Errorf(fundflow.ENOTFOUND, "no such resource"))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
