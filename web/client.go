package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
)

// apiClient calls the JSON API in-process, exactly as a remote client
// would: bearer token, JSON body, Idempotency-Key. Nothing here bypasses
// the API's authentication, role checks or validation.
type apiClient struct{ h http.Handler }

// problem is an RFC 7807 error from the API.
type problem struct {
	Status int          `json:"status"`
	Code   string       `json:"code"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Errors []fieldError `json:"errors"`
}

func (p *problem) Error() string { return fmt.Sprintf("api: %d %s: %s", p.Status, p.Code, p.Detail) }

// fieldError is one invalid field, named as the API names it; the page
// gives its input the same id so the error summary can link to it.
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// call sends one request with the signed-in user's token and decodes a
// successful JSON answer into out (if not nil). An error answer comes back
// as a *problem.
func (c apiClient) call(ctx context.Context, method, path string, body any, idemKey string, out any) error {
	// A server-side request always has a body, if empty, and the API's
	// handlers rely on that.
	var rd io.Reader = http.NoBody
	contentType := ""
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd, contentType = bytes.NewReader(b), "application/json"
	}
	return c.send(ctx, method, path, contentType, rd, idemKey, out)
}

// send is call with a body already encoded as contentType.
func (c apiClient) send(ctx context.Context, method, path, contentType string, rd io.Reader, idemKey string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if (method == http.MethodPost || method == http.MethodPut) && idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	if t := tokenFrom(ctx); t != "" {
		req.Header.Set("Authorization", "Bearer "+t)
	}
	rec := newRecorder()
	c.h.ServeHTTP(rec, req)
	if rec.status >= 400 {
		p := &problem{Status: rec.status}
		if err := json.Unmarshal(rec.body.Bytes(), p); err != nil || p.Code == "" {
			p.Code, p.Detail = "unexpected", strings.TrimSpace(http.StatusText(rec.status))
		}
		p.Status = rec.status
		return p
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(rec.body.Bytes(), out); err != nil {
		return fmt.Errorf("decode %s %s: %w", method, path, err)
	}
	return nil
}

func (c apiClient) get(ctx context.Context, path string, out any) error {
	return c.call(ctx, http.MethodGet, path, nil, "", out)
}

// post sends a command. key is the Idempotency-Key the form was rendered
// with, so a double click or a resent form gets the first answer again.
func (c apiClient) post(ctx context.Context, path string, body any, key string, out any) error {
	return c.call(ctx, http.MethodPost, path, body, key, out)
}

// errAnswered stops an upload's writer once the API has answered.
var errAnswered = errors.New("the API has answered")

// upload posts one file (nil for none) and its kind to the API as
// multipart, streamed through a pipe from where the form put it, so the
// page never holds the file in memory itself.
func (c apiClient) upload(ctx context.Context, path, kind string, file *multipart.FileHeader, key string, out any) error {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	if key != "" {
		// The API keys a command to the hash of its body, so a resent form
		// must be the same bytes: the boundary is the key's, not random.
		sum := sha256.Sum256([]byte("fundflow upload " + key))
		if err := mw.SetBoundary("fundflow-" + hex.EncodeToString(sum[:24])); err != nil {
			return err
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(writeUpload(mw, kind, file))
	}()
	err := c.send(ctx, http.MethodPost, path, mw.FormDataContentType(), pr, key, out)
	// The API may refuse before it reads the file; that must not leave
	// the writer blocked.
	pr.CloseWithError(errAnswered)
	<-done
	return err
}

func writeUpload(mw *multipart.Writer, kind string, file *multipart.FileHeader) error {
	if kind != "" {
		if err := mw.WriteField("kind", kind); err != nil {
			return err
		}
	}
	if file != nil {
		f, err := file.Open()
		if err != nil {
			return err
		}
		defer f.Close()
		part, err := mw.CreateFormFile("file", file.Filename)
		if err != nil {
			return err
		}
		if _, err := io.Copy(part, f); err != nil {
			return err
		}
	}
	return mw.Close()
}

// put replaces a resource; the directory remembers its key as it does a
// POST's, so a resent form changes nothing twice.
func (c apiClient) put(ctx context.Context, path string, body any, key string, out any) error {
	return c.call(ctx, http.MethodPut, path, body, key, out)
}

func (c apiClient) patch(ctx context.Context, path string, body any, out any) error {
	return c.call(ctx, http.MethodPatch, path, body, "", out)
}

// proxy hands a browser request for a streamed or binary resource (a
// letter PDF, the CSV export, the event stream) to the API under apiPath,
// with the user's token, writing the API's answer straight back. apiPath
// is unescaped, as URL.Path is.
func (c apiClient) proxy(w http.ResponseWriter, r *http.Request, apiPath string) {
	req := r.Clone(r.Context())
	req.URL.Path, req.URL.RawPath, req.RequestURI = apiPath, "", ""
	req.Header.Del("Cookie")
	req.Header.Set("Authorization", "Bearer "+tokenFrom(r.Context()))
	c.h.ServeHTTP(w, req)
}

// recorder holds an in-process API answer.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}, status: http.StatusOK} }

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int)      { r.status = status }
