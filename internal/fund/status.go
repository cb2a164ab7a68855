package fund

// Status is where a fund is in its lifecycle:
//
//	draft → open → closed → allocating → monitoring → finished
//
// Only draft, open, closed and finished are stored; they are the states an
// admin or the close timer moves a fund between. Allocating and monitoring
// are read off the ledger while the fund is closed, because they describe
// where its money is, and a stored copy could only drift from the ledger.
type Status string

const (
	StatusDraft  Status = "draft"
	StatusOpen   Status = "open"
	StatusClosed Status = "closed"
	// StatusAllocating: closed, with credit reserved for offers that have
	// not yet been accepted.
	StatusAllocating Status = "allocating"
	// StatusMonitoring: closed, with awards made and none awaiting
	// acceptance; deployments are drawing their credit down. A fund whose
	// awards are fully drawn stays here until an admin finishes it.
	StatusMonitoring Status = "monitoring"
	StatusFinished   Status = "finished"
)

// Stored reports whether s is a status the fund workflow keeps, rather than
// one it derives.
func (s Status) Stored() bool {
	switch s {
	case StatusDraft, StatusOpen, StatusClosed, StatusFinished:
		return true
	}
	return false
}

// Reported is the status to show for a fund whose stored status is stored.
func (l *Ledger) Reported(stored Status) Status {
	if stored != StatusClosed {
		return stored
	}
	switch {
	case l.Balances.ReservedPence > l.variationPence():
		return StatusAllocating
	case l.Awards() > 0:
		return StatusMonitoring
	}
	return StatusClosed
}

// variationPence is the credit reserved for increases to accepted awards,
// which is no offer awaiting acceptance.
func (l *Ledger) variationPence() int64 {
	var n int64
	for _, a := range l.Accounts {
		n += a.VariationPence
	}
	return n
}
