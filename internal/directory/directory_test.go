package directory

import (
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/fundflow/fundflow"
	"github.com/fundflow/fundflow/internal/email"
)

// An invitation takes exactly the addresses an application form's email
// answer does, the rule in internal/email, less the spaces around it that
// an admin pasting an address brings along.
func TestInvitationsTakeTheAddressesTheFormDoes(t *testing.T) {
	for addr, ok := range map[string]bool{
		"asha.patel@nhs.net":   true,
		" asha.patel@nhs.net ": true,
		"mary.o'brien@nhs.net": true,
		"a..b@nhs.net":         false,
		"asha@localhost":       false,
		"Asha <asha@nhs.net>":  false,
	} {
		var s State
		if err := s.CheckInvite(Invite{Email: addr, Name: "Asha", Roles: []fundflow.Role{fundflow.RoleReviewer}}); (err == nil) != ok {
			t.Errorf("invite %q: %v, want accepted %v", addr, err, ok)
		}
	}
	typed := rapid.OneOf(rapid.StringMatching(email.Pattern), rapid.StringMatching(`[a-z.@"<> -]{1,80}`))
	rapid.Check(t, func(t *rapid.T) {
		addr := typed.Draw(t, "email")
		var s State
		err := s.CheckInvite(Invite{Email: addr, Name: "Asha", Roles: []fundflow.Role{fundflow.RoleReviewer}})
		if want := email.Valid(strings.TrimSpace(addr)); (err == nil) != want {
			t.Fatalf("invite %q: %v, want accepted %v", addr, err, want)
		}
	})
}
