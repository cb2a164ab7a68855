package document

import "time"

// Stored is an object of the documents or quarantine space as a sweep
// finds it: when it was last stored, and in which space.
type Stored struct {
	SHA256      string
	ModTime     time.Time
	Quarantined bool
}

// SweepPolicy says which stored files no longer need keeping.
type SweepPolicy struct {
	// MinAge spares anything stored more recently: an upload is stored
	// before its record is made, and a sweep must not delete it between
	// the two.
	MinAge time.Duration
	// QuarantineRetention is how long an infected file is kept, for
	// whoever investigates it, after which it goes though its record
	// stays. Zero keeps quarantined files while their records do.
	QuarantineRetention time.Duration
}

// Default policy: a day's grace, a month's quarantine.
const (
	DefaultSweepMinAge         = 24 * time.Hour
	DefaultQuarantineRetention = 30 * 24 * time.Hour
)

// Sweepable are the stored objects that may be deleted at now, given every
// record of every application. Content addressing means records on many
// applications may share one object, so an object is deleted only when no
// record at all refers to it (a removed file, an upload that was refused
// after it was stored), or when it is quarantined beyond the retention.
func (p SweepPolicy) Sweepable(now time.Time, stored []Stored, records []Document) []Stored {
	referenced := map[string]bool{}
	for _, d := range records {
		referenced[d.SHA256] = true
	}
	var out []Stored
	for _, s := range stored {
		age := now.Sub(s.ModTime)
		switch {
		case age < p.MinAge:
		case !referenced[s.SHA256]:
			out = append(out, s)
		case s.Quarantined && p.QuarantineRetention > 0 && age >= p.QuarantineRetention:
			out = append(out, s)
		}
	}
	return out
}
