// Package csvfile reads the reference data the engine ships as CSV (the
// organisation registry, the bank holidays), so that both name a bad line
// the same way and accept the same spreadsheet exports.
//
// It imports only the standard library.
package csvfile

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Rows reads a CSV whose first line must be exactly columns and calls row
// for each record after it, with the record's line number. Every error,
// the CSV's own or row's, comes back as "name: line N: …", because whoever
// fixes a reference file needs the line more than anything else.
func Rows(r io.Reader, name string, columns []string, row func(line int, rec []string) error) error {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: empty input, want a header line", name)
	}
	if err != nil {
		return readError(name, err)
	}
	// Spreadsheet exports often start with a byte-order mark.
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	if !slices.Equal(header, columns) {
		return fmt.Errorf("%s: line 1: header is %q, want %q", name, strings.Join(header, ","), strings.Join(columns, ","))
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return readError(name, err)
		}
		line, _ := cr.FieldPos(0)
		if err := row(line, rec); err != nil {
			return fmt.Errorf("%s: line %d: %w", name, line, err)
		}
	}
}

// readError puts csv's line number where Rows puts its own.
func readError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: line %d: %w", name, pe.Line, pe.Err)
	}
	return fmt.Errorf("%s: %w", name, err)
}
