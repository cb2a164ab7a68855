// Package prodtest holds the production test: fundflow's production build
// against Temporal's own server on PostgreSQL and real Redis, each a
// process of its own, the way an operator runs them. See TestProduction.
package prodtest
