package activities

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/adapter/notify"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/organisation"
)

var note = Notification{
	Key: "application:a1:query_raised:3", ApplicationID: "a1", Kind: NotificationQueryRaised, Audience: "applicant",
	Subject: "Further information requested", Body: "Asha, please tell us who signs off the DPIA.",
}

func TestLogNotifierLogsIdsOnly(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, LogNotifier{Logger: slog.New(slog.NewJSONHandler(&buf, nil))}.Send(context.Background(), note))
	line := buf.String()
	for _, want := range []string{note.Key, `"application_id":"a1"`, `"kind":"query_raised"`, `"audience":"applicant"`} {
		require.Contains(t, line, want)
	}
	require.NotContains(t, line, "Asha", "bodies can quote what people wrote")
	require.NotContains(t, line, note.Subject)
}

type recorder struct {
	sent []Notification
	err  error
}

func (r *recorder) Send(_ context.Context, n Notification) error {
	r.sent = append(r.sent, n)
	return r.err
}

func TestNotify(t *testing.T) {
	rec := &recorder{}
	_, err := run(t, &Activities{Notifier: rec}, (&Activities{}).Notify, note)
	require.NoError(t, err)
	require.Equal(t, []Notification{note}, rec.sent)

	rec.err = errors.New("smtp: connection refused")
	_, err = run(t, &Activities{Notifier: rec}, (&Activities{}).Notify, note)
	require.Error(t, err, "a failed send is retried by Temporal")
	require.True(t, strings.Contains(err.Error(), "connection refused"))

	_, err = run(t, &Activities{}, (&Activities{}).Notify, note)
	require.NoError(t, err, "without a Notifier, notifications go to the log")
}

// A message the workflows address to one reviewer reaches that reviewer
// when the notifier resolves it: the two sides share one notation.
func TestReviewerAudienceReachesTheReviewer(t *testing.T) {
	var st directory.State
	admin := fundflow.Actor{ID: "admin", Role: fundflow.RoleAdmin}
	r, err := st.InviteUser(directory.Invite{Email: "rae@nhs.net", Name: "Rae", Roles: []fundflow.Role{fundflow.RoleReviewer}}, admin, time.Now())
	require.NoError(t, err)
	_, err = st.InviteUser(directory.Invite{Email: "sam@nhs.net", Name: "Sam", Roles: []fundflow.Role{fundflow.RoleReviewer}}, admin, time.Now())
	require.NoError(t, err)
	got := notify.Resolve(&st, notify.Address{Audience: ReviewerAudience(r.ID)}, organisation.DateOf(time.Now()))
	require.Len(t, got, 1)
	require.Equal(t, "rae@nhs.net", got[0].Email)
}
