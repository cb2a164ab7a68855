package letters

import "time"

// Record is what a workflow keeps of a letter: enough to find and
// verify it, never the bytes.
type Record struct {
	Ref      string    `json:"ref"`
	Kind     Kind      `json:"kind"`
	Revision int       `json:"revision"`
	IssuedAt time.Time `json:"issued_at"`
	SHA256   string    `json:"sha256"`
	Bytes    int       `json:"bytes"`
	// Snapshot is what was rendered, verify link and all, so `fundflow
	// letters rebuild` can render a lost letter again, byte for byte.
	// Letters written before it was kept have none.
	Snapshot *Snapshot `json:"snapshot,omitempty"`
}
