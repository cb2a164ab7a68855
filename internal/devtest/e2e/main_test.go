package e2e

import (
	"testing"

	"github.com/fundflow/fundflow/internal/devtest/stack"
)

func TestMain(m *testing.M) { stack.Main(m) }
