package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// TestBusinessCalendarStart: loand started with
// LOANCORE_BUSINESS_CALENDAR_START (--business-calendar-start) refuses a
// first close of business before that date, though it has no loan, and
// closes that date.
func TestBusinessCalendarStart(t *testing.T) {
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	today := time.Now().In(shanghai)
	start := today.AddDate(0, 0, -10).Format(time.DateOnly)
	t.Setenv("LOANCORE_BUSINESS_CALENDAR_START", start)
	addr := freeAddr(t)
	startLoand(t, addr, "sqlite:"+filepath.Join(t.TempDir(), "loancore.db"))
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cob := loancorev1.NewCloseOfBusinessServiceClient(conn)
	run := func(date string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		stream, err := cob.RunCloseOfBusiness(ctx, &loancorev1.RunCloseOfBusinessRequest{BusinessDate: date})
		for err == nil {
			_, err = stream.Recv()
		}
		if err == io.EOF {
			return nil
		}
		return err
	}
	err = run(today.AddDate(0, 0, -11).Format(time.DateOnly))
	if st, _ := status.FromError(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "not be before "+start) {
		t.Fatalf("the day before the calendar start: %v", err)
	}
	if err := run(start); err != nil {
		t.Fatalf("the calendar start: %v", err)
	}
}
