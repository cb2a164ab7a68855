package blob

import (
	"context"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// TestS3Store runs the same exercise against an S3-compatible server over
// HTTP, through the same s3:// URL an operator writes. The server is
// gofakes3 in process: SeaweedFS's module cannot be `go install`ed (its
// go.mod has replace directives) and building it from source did not
// finish within the time box on this machine; see the closing note.
func TestS3Store(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("fundflow-test"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "fundflow")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fundflow-secret")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	q := url.Values{"endpoint": {srv.URL}, "region": {"eu-west-2"}, "use_path_style": {"true"}}
	st, err := Open(context.Background(), "s3://fundflow-test?"+q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	exercise(t, st)

	// A missing bucket fails at start, not at the first letter.
	missing, err := Open(context.Background(), "s3://no-such-bucket?"+q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer missing.Close()
	if _, err := missing.Space("letters").Put(context.Background(), []byte("x")); err == nil {
		t.Error("a put into a missing bucket succeeded")
	}
}
