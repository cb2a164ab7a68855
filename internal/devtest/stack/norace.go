//go:build !race

package stack

const race = false
