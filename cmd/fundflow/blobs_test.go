package main

import (
	"context"
	"strings"
	"testing"
)

// TestWorkerSettings: outside dev the worker needs the public URL, so no
// letter prints a relative verify link, and an explicit word on scanning.
func TestWorkerSettings(t *testing.T) {
	for _, c := range []struct {
		cfg  config
		want []string
	}{
		{config{}, []string{"FUNDFLOW_PUBLIC_URL is not set", "FUNDFLOW_CLAMD is not set"}},
		{config{publicURL: "https://fundflow.example.nhs.uk"}, []string{"FUNDFLOW_CLAMD is not set"}},
		{config{publicURL: "https://fundflow.example.nhs.uk", clamd: "off"}, nil},
		{config{publicURL: "https://fundflow.example.nhs.uk", clamd: "tcp://clamd:3310"}, nil},
	} {
		err := c.cfg.checkWorker()
		if (err == nil) != (len(c.want) == 0) {
			t.Errorf("%+v: %v", c.cfg, err)
		}
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: %v, want %q", c.cfg, err, w)
			}
		}
	}
	if _, err := (&config{clamd: "clamd:3310"}).scanner(); err == nil {
		t.Error("a clamd address without a scheme was accepted")
	}
	if s, err := (&config{clamd: "off"}).scanner(); err != nil || s != nil {
		t.Errorf("off: %v, %v", s, err)
	}
}

// TestBlobSettings: the default is a directory under the data directory;
// a URL that cannot be opened fails at start and names the setting.
func TestBlobSettings(t *testing.T) {
	st, err := (&config{dataDir: t.TempDir()}).blobs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	for _, bad := range []string{"not a url", "gs://bucket", "file:///dev/null/blobs"} {
		if _, err := (&config{blobURL: bad}).blobs(context.Background()); err == nil {
			t.Errorf("FUNDFLOW_BLOB_URL=%q accepted", bad)
		}
	}
}
