package api

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/workflows"
)

// routes is the whole HTTP surface in one place.
func (s *server) routes() {
	r := s.router
	r.Use(s.observe)
	r.NotFoundHandler = s.observe(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeProblem(w, http.StatusNotFound, fundflow.Errorf(fundflow.ENOTFOUND, "no such resource"))
	}))
	r.MethodNotAllowedHandler = s.observe(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeProblem(w, http.StatusMethodNotAllowed, &fundflow.Error{Code: "method_not_allowed", Message: "this resource does not support that method"})
	}))

	r.HandleFunc("/healthz", s.healthz).Methods(http.MethodGet)
	r.HandleFunc("/readyz", s.readyz).Methods(http.MethodGet)
	r.Handle("/metrics", promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{})).Methods(http.MethodGet)
	r.HandleFunc("/openapi.json", s.openAPI).Methods(http.MethodGet)

	v1 := r.PathPrefix("/v1").Subrouter()
	v1.Use(s.authenticate, s.rateLimit, s.idempotent)
	v1.Handle("/organisations", s.allow(s.listOrganisations, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/organisations/{ods_code}", s.allow(s.getOrganisation, anyRole...)).Methods(http.MethodGet)

	v1.Handle("/funds", s.allow(s.listFunds, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/funds", s.allow(s.createFund, fundflow.RoleAdmin)).Methods(http.MethodPost)
	v1.Handle("/funds/{fund_id}", s.allow(s.getFund, anyRole...)).Methods(http.MethodGet)
	v1.Handle("/funds/{fund_id}/open", s.allow(s.fundLifecycle(workflows.UpdateOpen), fundflow.RoleAdmin)).Methods(http.MethodPost)
	v1.Handle("/funds/{fund_id}/close", s.allow(s.fundLifecycle(workflows.UpdateClose), fundflow.RoleAdmin)).Methods(http.MethodPost)
	v1.Handle("/funds/{fund_id}/ledger", s.allow(s.ledger, fundflow.RolePanelChair, fundflow.RoleProgrammeManager, fundflow.RoleAdmin)).Methods(http.MethodGet)
}
