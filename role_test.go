package fundflow

import "testing"

// The two guards the API and the workflows share: who acts as an
// organisation's applicant, and who may see its applications.
func TestApplicantOfAndMaySee(t *testing.T) {
	for _, tc := range []struct {
		a                    Actor
		applicantOfQUY       bool
		maySeeQUY, maySeeQOP bool
	}{
		{Actor{Role: RoleApplicant, OrgCode: "QUY"}, true, true, false},
		{Actor{Role: RoleApplicant, OrgCode: "QOP"}, false, false, true},
		{Actor{Role: RoleApplicant}, false, false, false},
		{Actor{Role: RoleReviewer}, false, true, true},
		{Actor{Role: RoleCoApplicant, OrgCode: "QUY"}, false, false, false},
		{Actor{Role: RoleAdmin, OrgCode: "QUY"}, false, true, true},
		{System, false, true, true},
	} {
		if got := tc.a.ApplicantOf("QUY"); got != tc.applicantOfQUY {
			t.Errorf("%+v.ApplicantOf(QUY) = %v", tc.a, got)
		}
		if got := [2]bool{tc.a.MaySee("QUY"), tc.a.MaySee("QOP")}; got != [2]bool{tc.maySeeQUY, tc.maySeeQOP} {
			t.Errorf("%+v.MaySee(QUY, QOP) = %v", tc.a, got)
		}
	}
}
