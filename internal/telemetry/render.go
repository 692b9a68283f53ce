package telemetry

// AppendReportLine appends inv as the text REPORT line Lambda writes for it
// (fields TAB-separated, in production order, optional ones only when set,
// with a trailing TAB and no newline) and returns the extended buffer. The
// decoder reads every line it writes back to the same numbers; simulators
// and tests use it to make realistic logs. Durations print with two
// decimals, or three when the microseconds need them. A cold start shows
// its Init Duration even when it is zero, so ColdStart survives the trip.
func AppendReportLine(dst []byte, inv *Invocation) []byte {
	dst = append(dst, "REPORT RequestId: "...)
	dst = append(dst, inv.RequestID...)
	dst = append(dst, "\tDuration: "...)
	dst = appendMillis(dst, inv.DurationUS)
	dst = append(dst, " ms\tBilled Duration: "...)
	dst = appendInt(dst, inv.BilledDurationMS)
	dst = append(dst, " ms\tMemory Size: "...)
	dst = appendInt(dst, int64(inv.MemorySizeMB))
	dst = append(dst, " MB\tMax Memory Used: "...)
	dst = appendInt(dst, int64(inv.MaxMemoryUsedMB))
	dst = append(dst, " MB\t"...)
	if inv.InitDurationUS > 0 || inv.ColdStart && inv.RestoreDurationUS == 0 {
		dst = append(dst, "Init Duration: "...)
		dst = appendMillis(dst, inv.InitDurationUS)
		dst = append(dst, " ms\t"...)
	}
	if inv.RestoreDurationUS > 0 {
		dst = append(dst, "Restore Duration: "...)
		dst = appendMillis(dst, inv.RestoreDurationUS)
		dst = append(dst, " ms\tBilled Restore Duration: "...)
		dst = appendInt(dst, inv.BilledRestoreMS)
		dst = append(dst, " ms\t"...)
	}
	switch inv.Status {
	case StatusTimeout:
		dst = append(dst, "Status: timeout\t"...)
	case StatusError, StatusOOM, StatusInitError:
		dst = append(dst, "Status: error\t"...)
		if inv.ErrorType != "" {
			dst = append(dst, "Error Type: "...)
			dst = append(dst, inv.ErrorType...)
			dst = append(dst, '\t')
		}
	}
	return dst
}
