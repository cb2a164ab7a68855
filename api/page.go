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

type page struct {
	limit  int
	offset int
}

// list is the envelope API.md gives every list.
type list[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// readPage parses ?limit= and ?cursor=. Cursors are opaque to clients so
// the encoding can change per list without breaking them.
func readPage(r *http.Request) (page, error) {
	var v fundflow.Invalid
	p := page{limit: defaultLimit}
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			v.Add("limit", "must be a whole number from 1 to %d", maxLimit)
		}
		p.limit = n
	}
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

// paginate slices an in-memory list; large lists use the Redis projections
// and their own cursors instead.
func paginate[T any](all []T, p page) list[T] {
	out := list[T]{Items: []T{}}
	if p.offset >= len(all) {
		return out
	}
	end := min(p.offset+p.limit, len(all))
	out.Items = all[p.offset:end]
	if end < len(all) {
		next := base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
		out.NextCursor = &next
	}
	return out
}
