package api

import (
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/fundflow/fundflow"
)

const (
	defaultLimit = 50
	maxLimit     = 200
)

// list is the envelope API.md gives every list. NextCursor is null on the
// last page.
type list[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// readLimit parses ?limit=, recording a problem in v.
func readLimit(r *http.Request, v *fundflow.Invalid) int {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return defaultLimit
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxLimit {
		v.Add("limit", "must be a whole number from 1 to %d", maxLimit)
	}
	return n
}

// readSeqCursor parses a cursor that is a sequence number, as the ledger
// and the timeline issue.
func readSeqCursor(r *http.Request, v *fundflow.Invalid) int64 {
	c := r.URL.Query().Get("cursor")
	if c == "" {
		return 0
	}
	n, err := strconv.ParseInt(c, 10, 64)
	if err != nil || n < 0 {
		v.Add("cursor", "is not a cursor this list issued")
	}
	return n
}

// seqCursor is the next page's cursor, or null at the end.
func seqCursor(next int64) *string {
	if next <= 0 {
		return nil
	}
	c := strconv.FormatInt(next, 10)
	return &c
}

type page struct {
	limit  int
	offset int
}

// readPage parses ?limit= and an offset ?cursor= for lists held in memory.
// Cursors are opaque to clients so the encoding can change per list.
func readPage(r *http.Request) (page, error) {
	var v fundflow.Invalid
	p := page{limit: readLimit(r, &v)}
	if c := r.URL.Query().Get("cursor"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		n, convErr := strconv.Atoi(string(b))
		if err != nil || convErr != nil || n < 0 {
			v.Add("cursor", "is not a cursor this list issued")
		}
		p.offset = n
	}
	return p, v.Err("the list parameters are invalid")
}

// paginate slices a list held in memory.
func paginate[T any](all []T, p page) list[T] {
	out := list[T]{Items: []T{}}
	if p.offset >= len(all) {
		return out
	}
	end := min(p.offset+p.limit, len(all))
	out.Items = all[p.offset:end]
	if end < len(all) {
		next := encodeOffset(end)
		out.NextCursor = &next
	}
	return out
}

func encodeOffset(n int) string { return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(n))) }
