package api

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// The metrics and the idempotency replay record a response's status by
// one rule: the first one set, or 200 for a body written without one.
func TestRecordersKeepTheStatusTheClientGot(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(http.ResponseWriter)
		want  int
	}{
		{"implicit", func(w http.ResponseWriter) { _, _ = w.Write([]byte("a")) }, http.StatusOK},
		{"explicit", func(w http.ResponseWriter) { w.WriteHeader(http.StatusCreated); _, _ = w.Write([]byte("a")) }, http.StatusCreated},
		{"set twice", func(w http.ResponseWriter) { w.WriteHeader(http.StatusConflict); w.WriteHeader(http.StatusOK) }, http.StatusConflict},
	} {
		sr := &statusRecorder{ResponseWriter: httptest.NewRecorder()}
		cw := &captureWriter{statusRecorder: statusRecorder{ResponseWriter: httptest.NewRecorder()}}
		tc.write(sr)
		tc.write(cw)
		if sr.status != tc.want || cw.status != tc.want {
			t.Errorf("%s: statusRecorder %d, captureWriter %d, want %d", tc.name, sr.status, cw.status, tc.want)
		}
	}
	cw := &captureWriter{statusRecorder: statusRecorder{ResponseWriter: httptest.NewRecorder()}}
	_, _ = cw.Write([]byte("kept "))
	_, _ = cw.Write([]byte("for replay"))
	if got := cw.body.String(); got != "kept for replay" {
		t.Errorf("captured %q", got)
	}
}
