using System.Diagnostics;
using V2V.Core.Errors;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>
/// Keeps an export lease alive while its disks are copied: <c>HttpNfcLeaseProgress</c> with the
/// copy's percentage every <see cref="IntervalFor"/> (a fifth of the lease's timeout, 1–60 s), on
/// a thread of its own so a slow target cannot starve it. A SOAP fault (the lease ended on the
/// server) fails the copy at once; calls that get no answer are retried at the next tick until
/// the lease's timeout has passed since the last one that did.
/// </summary>
public sealed class LeaseKeepAlive : IDisposable
{
    private readonly HttpNfcLease _lease;
    private readonly Func<int> _percent;
    private readonly Action _onFailure;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private volatile V2VException? _failure;

    /// <param name="percent">The copy's progress, 0–100, read at each tick.</param>
    /// <param name="onFailure">Called once when the lease is lost (breaks off the transfer under way).</param>
    public LeaseKeepAlive(HttpNfcLease lease, TimeSpan interval, Func<int> percent, Action onFailure)
    {
        _lease = lease;
        _percent = percent;
        _onFailure = onFailure;
        _loop = Task.Run(() => LoopAsync(interval));
    }

    /// <summary>Overrides <see cref="IntervalFor"/> (tests make it short to see the calls).</summary>
    public static TimeSpan? IntervalOverride { get; set; }

    /// <summary>Why the lease was lost, or null.</summary>
    public V2VException? Failure => _failure;

    public static TimeSpan IntervalFor(TimeSpan leaseTimeout) =>
        IntervalOverride ?? TimeSpan.FromTicks(Math.Clamp(leaseTimeout.Ticks / 5, TimeSpan.TicksPerSecond, 60 * TimeSpan.TicksPerSecond));

    public void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw failure;
        }
    }

    private async Task LoopAsync(TimeSpan interval)
    {
        var answered = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await Task.Delay(interval, _stop.Token).ConfigureAwait(false);
                _lease.Progress(_percent(), _stop.Token);
                answered.Restart();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (VSphereException e) when (e.FaultName is null && answered.Elapsed < _lease.Timeout)
            {
                // No answer this time (network, server busy): the lease lives until its timeout.
            }
            catch (V2VException e)
            {
                string prefix = _lease.Server + ": ";
                string reason = e.Message.StartsWith(prefix, StringComparison.Ordinal) ? e.Message[prefix.Length..] : e.Message;
                _failure = new VSphereException(_lease.Server, $"the export lease was lost during the copy ({reason})", VSphereException.Failure, e, (e as VSphereException)?.FaultName);
                _onFailure();
                return;
            }
        }
    }

    /// <summary>Stops the calls; waits for one under way.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop.Wait(TimeSpan.FromMinutes(3));
        }
        catch (AggregateException)
        {
            // The loop catches what it expects; anything else must not hide the copy's own outcome.
        }

        _stop.Dispose();
    }
}
