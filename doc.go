// Package fundflow holds the vocabulary every part of the engine shares: error
// codes (one list, Codes), roles and the actor behind each command. Subpackages build on it and
// stay ignorant of each other, so the HTTP layer, the workflows and the
// activities can change independently.
//
// It imports nothing but the standard library: no SDK, no Redis, no other
// package of this module, so every layer can share it.
package fundflow

// TaskQueue is the one Temporal task queue every fundflow worker polls. A
// single queue keeps scaling simple: add workers, not routing rules.
const TaskQueue = "fundflow"
