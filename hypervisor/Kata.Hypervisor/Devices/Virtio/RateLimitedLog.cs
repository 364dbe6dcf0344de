using System.Diagnostics;

namespace Kata.Hypervisor.Devices.Virtio;

/// <summary>
/// Rate limit for log lines a guest can provoke: at most <c>burst</c> lines per window, the rest counted and reported
/// with the next line let through. A hostile guest cannot flood the host's logs, and nothing is lost from the
/// counters. Thread-safe.
/// </summary>
public sealed class RateLimitedLog
{
    private readonly object _lock = new();
    private readonly int _burst;
    private readonly long _windowTicks;
    private readonly Func<long> _timestamp;
    private long _windowStart;
    private int _inWindow;
    private long _pendingSuppressed;
    private long _totalSuppressed;

    /// <param name="burst">Lines let through per window.</param>
    /// <param name="window">Length of a window (default 10 s).</param>
    /// <param name="timestamp">Clock in <see cref="Stopwatch"/> ticks (tests inject one).</param>
    public RateLimitedLog(int burst = 10, TimeSpan? window = null, Func<long>? timestamp = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        _burst = burst;
        _windowTicks = (long)((window ?? TimeSpan.FromSeconds(10)).TotalSeconds * Stopwatch.Frequency);
        _timestamp = timestamp ?? Stopwatch.GetTimestamp;
        _windowStart = _timestamp();
    }

    /// <summary>Lines suppressed so far.</summary>
    public long TotalSuppressed => Interlocked.Read(ref _totalSuppressed);

    /// <summary>
    /// True when the caller may log now; <paramref name="suppressed"/> is how many lines were dropped since the last
    /// one let through (for the message).
    /// </summary>
    public bool TryEnter(out long suppressed)
    {
        lock (_lock)
        {
            long now = _timestamp();
            if (now - _windowStart >= _windowTicks)
            {
                _windowStart = now;
                _inWindow = 0;
            }
            if (_inWindow < _burst)
            {
                _inWindow++;
                suppressed = _pendingSuppressed;
                _pendingSuppressed = 0;
                return true;
            }
            _pendingSuppressed++;
            Interlocked.Increment(ref _totalSuppressed);
            suppressed = 0;
            return false;
        }
    }
}
