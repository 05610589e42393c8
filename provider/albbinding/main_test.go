package albbinding_test

import (
	"testing"

	"github.com/paved-road/paved/provider/acctest"
)

func TestMain(m *testing.M) { acctest.Main(m) }
