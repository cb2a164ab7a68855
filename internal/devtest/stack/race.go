//go:build race

package stack

// race: the tests run with the race detector, so the stacks they start do.
const race = true
