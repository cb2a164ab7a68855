// Package e2e holds fundflow's end-to-end tests: each drives the real
// binary's `fundflow dev` (package stack) over HTTP, in a browser, and
// through its Temporal frontend and Redis, the way people and operators
// meet it. Tests that need nothing of their own share one stack and make
// their own fund on it; those that need a configured process (an SMTP
// server that refuses, clamd, seeded outcomes) start their own. Tests of
// the binary itself (flags, ports, kill and restart) stay in cmd/fundflow.
//
// It has no code outside its tests.
package e2e
