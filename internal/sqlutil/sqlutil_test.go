package sqlutil

import (
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitTime(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2024, 6, 1, 9, 30, 0, 123456789, time.UTC),
		time.Date(1960, 1, 1, 0, 0, 0, 999, time.FixedZone("x", 3600)),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC),
	} {
		us, ns := SplitTime(tm)
		assert.Zero(t, us.Nanosecond()%1000, tm)
		assert.True(t, ns >= 0 && ns < 1000, tm)
		assert.True(t, JoinTime(us, ns).Equal(tm), tm)
		assert.Equal(t, time.UTC, JoinTime(us, ns).Location())
	}
}

func TestMigrations(t *testing.T) {
	ms, err := Migrations(fstest.MapFS{
		"m/0002_more.sql": {Data: []byte("B")},
		"m/0001_init.sql": {Data: []byte("A")},
	}, "m")
	require.NoError(t, err)
	require.Len(t, ms, 2)
	assert.Equal(t, Migration{1, "0001_init", "A"}, ms[0])
	assert.Equal(t, 2, ms[1].Version)

	_, err = Migrations(fstest.MapFS{"m/0002_gap.sql": {}}, "m")
	assert.Error(t, err)
	_, err = Migrations(fstest.MapFS{"m/init.sql": {}}, "m")
	assert.Error(t, err)
}
