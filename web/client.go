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
	"strconv"
	"strings"
	"sync"

	"github.com/fundflow/fundflow/web/apiclient"
)

// apiClient is the generated client of the JSON API, calling it
// in-process exactly as a remote client would: bearer token, JSON body,
// Idempotency-Key. Nothing here bypasses the API's authentication, role
// checks or validation.
type apiClient struct{ *apiclient.ClientWithResponses }

func newAPIClient(h http.Handler) apiClient {
	c, err := apiclient.NewClientWithResponses("/",
		apiclient.WithHTTPClient(inProcess{h}), apiclient.WithRequestEditorFn(signedIn))
	if err != nil {
		// The server URL is a constant; only a broken build gets here.
		panic(err)
	}
	return apiClient{c}
}

// signedIn sends every call with the signed-in user's token.
func signedIn(ctx context.Context, req *http.Request) error {
	req.Header.Set("Accept", "application/json")
	if t := tokenFrom(ctx); t != "" {
		req.Header.Set("Authorization", "Bearer "+t)
	}
	return nil
}

// keyed sends a command with the Idempotency-Key its form was rendered
// with, so a double click or a resent form gets the first answer again.
func keyed(r *http.Request) apiclient.RequestEditorFn {
	key := r.PostFormValue("idempotency_key")
	return func(_ context.Context, req *http.Request) error {
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		return nil
	}
}

// problem is an RFC 7807 error from the API.
type problem struct {
	Status int          `json:"status"`
	Code   string       `json:"code"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Errors []fieldError `json:"errors"`
}

// fieldError is one invalid field, named as the API names it; the page
// gives its input the same id so the error summary can link to it.
type fieldError = apiclient.FieldError

func (p *problem) Error() string { return fmt.Sprintf("api: %d %s: %s", p.Status, p.Code, p.Detail) }

// apiAnswer is what every generated response has.
type apiAnswer interface {
	StatusCode() int
	GetBody() []byte
}

// check turns a call that failed, or an answer the API refused, into an
// error: a refusal as a *problem.
func check(res apiAnswer, err error) error {
	if err != nil {
		return err
	}
	status := res.StatusCode()
	if status < 400 {
		return nil
	}
	p := &problem{}
	if err := json.Unmarshal(res.GetBody(), p); err != nil || p.Code == "" {
		p.Code, p.Detail = "unexpected", strings.TrimSpace(http.StatusText(status))
	}
	p.Status = status
	return p
}

// jsonBody encodes a command's body for the generated ...WithBody methods,
// where the body is the form's answers rather than a fixed type.
func jsonBody(v any) (string, io.Reader, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", nil, err
	}
	return "application/json", bytes.NewReader(b), nil
}

// errAnswered stops an upload's writer once the API has answered.
var errAnswered = errors.New("the API has answered")

// upload posts one file (nil for none) and its kind to the API as
// multipart, streamed through a pipe from where the form put it, so the
// page never holds the file in memory itself.
func (c apiClient) upload(ctx context.Context, appID, kind string, file *multipart.FileHeader, key string) (*apiclient.Document, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	if key != "" {
		// The API keys a command to the hash of its body, so a resent form
		// must be the same bytes: the boundary is the key's, not random.
		sum := sha256.Sum256([]byte("fundflow upload " + key))
		if err := mw.SetBoundary("fundflow-" + hex.EncodeToString(sum[:24])); err != nil {
			return nil, err
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(writeUpload(mw, kind, file))
	}()
	var params *apiclient.UploadDocumentParams
	if key != "" {
		params = &apiclient.UploadDocumentParams{IdempotencyKey: &key}
	}
	res, err := c.UploadDocumentWithBodyWithResponse(ctx, appID, params, mw.FormDataContentType(), pr)
	// The API may refuse before it reads the file; that must not leave
	// the writer blocked.
	pr.CloseWithError(errAnswered)
	<-done
	if err := check(res, err); err != nil {
		return nil, err
	}
	return res.JSON201, nil
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

// relay writes a streamed or binary answer (a letter's PDF, a CSV, the
// event stream), from a generated method that returns the raw response,
// straight back to the browser: the API's status and headers, and its
// body as it comes, flushed as it comes so the event stream is live.
func relay(w http.ResponseWriter, res *http.Response, err error) {
	if err != nil {
		http.Error(w, "the API could not be reached", http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	for k, v := range res.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(res.StatusCode)
	flush := http.NewResponseController(w).Flush
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			_ = flush()
		}
		if err != nil {
			return
		}
	}
}

// inProcess is the generated client's HttpRequestDoer: it serves each
// request with the API's handler in this process, and answers once the
// handler has written its status, with a body that streams whatever the
// handler writes after.
type inProcess struct{ h http.Handler }

func (d inProcess) Do(req *http.Request) (*http.Response, error) {
	// A server-side request always has a body, if empty, and the API's
	// handlers rely on that.
	if req.Body == nil {
		req.Body = http.NoBody
	}
	pr, pw := io.Pipe()
	w := &pipeWriter{header: http.Header{}, body: pw, started: make(chan struct{})}
	go func() {
		defer func() {
			// A handler that panics (http.ErrAbortHandler above all) would
			// have had its connection dropped by net/http; here it cuts
			// the body short instead of taking the process down.
			if v := recover(); v != nil {
				w.WriteHeader(http.StatusInternalServerError)
				pw.CloseWithError(fmt.Errorf("the API's handler stopped: %v", v))
				return
			}
			w.WriteHeader(http.StatusOK)
			pw.Close()
		}()
		d.h.ServeHTTP(w, req)
	}()
	<-w.started
	return &http.Response{
		Status: fmt.Sprintf("%d %s", w.status, http.StatusText(w.status)), StatusCode: w.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: w.sent, Body: pr, ContentLength: -1, Request: req,
	}, nil
}

// pipeWriter is the ResponseWriter inProcess gives the API's handler.
type pipeWriter struct {
	header  http.Header
	body    *io.PipeWriter
	once    sync.Once
	started chan struct{}
	status  int
	sent    http.Header
}

func (w *pipeWriter) Header() http.Header { return w.header }

func (w *pipeWriter) WriteHeader(status int) {
	w.once.Do(func() {
		w.status, w.sent = status, w.header.Clone()
		close(w.started)
	})
}

func (w *pipeWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

// Flush sends the status and headers, as net/http's does; what a handler
// writes already goes straight to the reader.
func (w *pipeWriter) Flush() { w.WriteHeader(http.StatusOK) }

// fundByID is GET /v1/funds/{fund_id}.
func (s *server) fundByID(ctx context.Context, id string) (*apiclient.Fund, error) {
	res, err := s.api.GetFundWithResponse(ctx, id)
	if err := check(res, err); err != nil {
		return nil, err
	}
	return res.JSON200, nil
}

// applicationByID is GET /v1/applications/{id}.
func (s *server) applicationByID(ctx context.Context, id string) (*apiclient.Application, error) {
	res, err := s.api.GetApplicationWithResponse(ctx, id, nil)
	if err := check(res, err); err != nil {
		return nil, err
	}
	return res.JSON200, nil
}

// timeline is an application's timeline, up to the API's longest page.
func (s *server) timeline(ctx context.Context, id string) ([]apiclient.TimelineEntry, error) {
	res, err := s.api.GetApplicationTimelineWithResponse(ctx, id, &apiclient.GetApplicationTimelineParams{Limit: new(200)})
	if err := check(res, err); err != nil {
		return nil, err
	}
	return res.JSON200.Items, nil
}

// saveDraft patches an application with the form's answers: a member
// present changes, null clears, as the API's merge patch reads them. From
// is the version the form was read at ("" for none), sent as If-Match so
// the API refuses a save over a section someone else changed since.
func (s *server) saveDraft(ctx context.Context, id string, body map[string]any, from string) error {
	ct, rd, err := jsonBody(body)
	if err != nil {
		return err
	}
	var params apiclient.UpdateApplicationParams
	if from != "" {
		params.IfMatch = new(strconv.Quote(from))
	}
	res, err := s.api.UpdateApplicationWithBodyWithResponse(ctx, id, &params, ct, rd)
	return check(res, err)
}

// commandAnswer is the answer to a command on an application.
type commandAnswer interface {
	apiAnswer
	GetJSON200() *apiclient.CommandResult
}
