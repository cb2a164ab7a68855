package directory

import (
	"fmt"
	"testing"
	"time"

	"github.com/fundflow/fundflow"
)

func TestReadMarksAndPreferences(t *testing.T) {
	var s State
	by := fundflow.Actor{ID: "admin", Role: fundflow.RoleAdmin}
	lead, _ := s.InviteUser(Invite{Email: "lead@quy.nhs.uk", Name: "Lead", OrgCode: "QUY", Roles: []fundflow.Role{fundflow.RoleApplicant}}, by, time.Now())
	pm, _ := s.InviteUser(Invite{Email: "pm@nhs.net", Name: "PM", Roles: []fundflow.Role{fundflow.RoleProgrammeManager}}, by, time.Now())

	if err := s.CheckMarkRead("tok_machine", []string{"application:a1:received:1"}); fundflow.ErrorCode(err) != fundflow.EFORBIDDEN {
		t.Fatalf("a machine token marked read: %v", err)
	}
	if err := s.CheckMarkRead(pm.ID, []string{"../../etc"}); fundflow.ErrorCode(err) != fundflow.EVALIDATION {
		t.Fatalf("a key that is no notification: %v", err)
	}
	for i := range MaxReadMarks + 10 {
		s.MarkRead(pm.ID, []string{fmt.Sprintf("application:a1:milestone:%d", i)})
	}
	s.MarkRead(pm.ID, []string{"application:a1:milestone:20"})
	if n := len(s.Read[0].Keys); n != MaxReadMarks || s.Read[0].Keys[0] != "application:a1:milestone:10" {
		t.Fatalf("%d marks kept, oldest %s", n, s.Read[0].Keys[0])
	}

	if err := s.CheckSetPreference(lead.ID); fundflow.ErrorCode(err) != fundflow.EFORBIDDEN {
		t.Fatalf("an applicant chose the digest: %v", err)
	}
	if err := s.CheckSetPreference(pm.ID); err != nil {
		t.Fatal(err)
	}
	s.SetPreference(pm.ID, true)
	s.SetPreference(pm.ID, true)
	if !s.WantsDigest(pm.ID) || len(s.Prefs) != 1 || s.WantsDigest(lead.ID) {
		t.Fatalf("prefs %+v", s.Prefs)
	}
}
