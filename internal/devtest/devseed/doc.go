// Package devseed is what `fundflow dev` puts in a new data directory so a
// person trying fundflow has something to work with: the two dev funds,
// open; the seeded people, invited, and the three reviewers in each fund's
// pool; a chief finance officer each for QUY and 7A1, named their
// organisation's certifier; a service token for each seeded role and each
// organisation valid today, in dev-tokens.json; and, in the background,
// two awards that have reported outcomes. Everything goes through the real
// workflows and, for the awards, the HTTP API, as people would, each step
// under a fixed key so a restart part-way through repeats nothing.
//
// Only `fundflow dev` and tests import it; the production build (tag
// nodev) never does.
package devseed
