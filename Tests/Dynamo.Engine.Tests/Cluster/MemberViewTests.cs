using System.Collections.Immutable;
using Dynamo.Engine.Membership;
using NUnit.Framework;

namespace Dynamo.Engine.Tests.Cluster;

public sealed class MemberViewTests
{
    private static readonly NodeId s_self = NodeId.Parse("a");
    private static readonly NodeId s_b = NodeId.Parse("b");

    /// <summary>
    /// A view whose bound on silence, 100 ms, comes before phi 8 (at 50 + 5.6 × 25 = 190 ms of silence with the
    /// seeded window), unless the test asks for a detector of its own.
    /// </summary>
    private static MemberView View(int capacity = 8, int downAfterMs = 100, int intervalMs = 50, double phiThreshold = 8) =>
        new(s_self, "a:1", 1, [s_self, s_b], capacity, downAfterMs, intervalMs, phiThreshold);

    /// <summary>Gossip brings b's next heartbeats of <paramref name="epoch"/> after each interval; returns the time of the last.</summary>
    private static long Beats(MemberView view, uint epoch, long nowMs, params int[] intervals)
    {
        var heartbeat = view.Snapshot().Single(m => m.Node == s_b).Heartbeat;
        foreach (var interval in intervals)
        {
            nowMs += interval;
            view.Merge(Gossip(B(epoch, ++heartbeat)), nowMs);
            view.Tick(nowMs, heartbeats: true);
        }

        return nowMs;
    }

    private static ImmutableArray<MemberState> Gossip(params MemberState[] states) => [.. states];

    private static MemberState B(uint epoch, ulong heartbeat, string address = "b:1") =>
        new(s_b, address, epoch, MemberStatus.Up, heartbeat);

    [Test]
    public void A_newer_epoch_wins_then_a_higher_heartbeat_and_only_news_restarts_the_timeout()
    {
        var view = View();
        view.Tick(0, heartbeats: true);
        view.Merge(Gossip(B(1, 5)), nowMs: 50);
        view.Merge(Gossip(B(1, 4)), nowMs: 120);
        view.Tick(140, heartbeats: true);
        Assert.That(view.IsUp(s_b), Is.True, "heartbeat 5 arrived at 50; 90 ms ago");
        view.Tick(150, heartbeats: true);
        Assert.That(view.IsUp(s_b), Is.False, "the older heartbeat at 120 was no news");

        view.Merge(Gossip(B(2, 0, "b:2")), nowMs: 160);
        Assert.That(view.IsUp(s_b), Is.True, "a newer epoch with heartbeat 0 is news");
        Assert.That(view.Snapshot().Single(m => m.Node == s_b), Is.EqualTo(new MemberState(s_b, "b:2", 2, MemberStatus.Up, 0)));
    }

    [Test]
    public void A_member_is_believed_down_once_phi_passes_the_threshold_before_the_bound_on_silence()
    {
        // Regular 1 s heartbeats: phi passes 8 after 1,000 + 5.612 × 500 = 3,806 ms of silence (PhiAccrualDetectorTests).
        var view = View(downAfterMs: 5000, intervalMs: 1000);
        view.Tick(0, heartbeats: true);
        var lastMs = Beats(view, 1, 0, Enumerable.Repeat(1000, 30).ToArray());

        view.Tick(lastMs + 3806, heartbeats: true);
        Assert.That(view.IsUp(s_b), Is.True, $"phi {view.Phi(s_b, lastMs + 3806):F3}");
        view.Tick(lastMs + 3807, heartbeats: true);
        Assert.That((view.IsUp(s_b), view.DownCount), Is.EqualTo((false, 1)), "phi passed 8 with 1.2 s to go before the bound");
        Assert.That(view.Phi(s_b, lastMs + 3807), Is.GreaterThan(8));

        Beats(view, 1, lastMs + 3900, 1);
        Assert.That(view.IsUp(s_b), Is.True, "the next heartbeat: phi starts again from 0");
    }

    [Test]
    public void The_bound_on_silence_convicts_a_member_whose_phi_is_still_below_the_threshold()
    {
        // Threshold 16: regular 1 s heartbeats reach it after 1,000 + 8.22 × 500 = 5,111 ms, past the bound of 5,000.
        var view = View(downAfterMs: 5000, intervalMs: 1000, phiThreshold: 16);
        view.Tick(0, heartbeats: true);
        var lastMs = Beats(view, 1, 0, Enumerable.Repeat(1000, 30).ToArray());

        view.Tick(lastMs + 4999, heartbeats: true);
        Assert.That(view.IsUp(s_b), Is.True);
        view.Tick(lastMs + 5000, heartbeats: true);
        Assert.That(view.IsUp(s_b), Is.False, "5,000 ms of silence");
        Assert.That(view.Phi(s_b, lastMs + 5000), Is.InRange(14.0, 16.0), "phi alone would not have convicted yet");
    }

    [Test]
    public void A_restarted_member_is_judged_on_a_fresh_window_not_on_its_old_epoch_s_intervals()
    {
        var view = View(downAfterMs: 10_000, intervalMs: 1000);
        view.Tick(0, heartbeats: true);

        // Jittery heartbeats (400 / 1,600 ms) earn the member time: at 3,807 ms of silence it is still believed up.
        var lastMs = Beats(view, 1, 0, Enumerable.Range(0, 200).Select(i => i % 2 == 0 ? 400 : 1600).ToArray());
        view.Tick(lastMs + 3807, heartbeats: true);
        Assert.That(view.IsUp(s_b), Is.True, $"phi {view.Phi(s_b, lastMs + 3807):F2}");

        // It restarts (epoch 2): its new process's heartbeats are judged from the seeded window, as a new member's.
        var restartMs = lastMs + 3900;
        view.Merge(Gossip(B(2, 0)), restartMs);
        view.Tick(restartMs + 3806, heartbeats: true);
        Assert.That(view.IsUp(s_b), Is.True);
        view.Tick(restartMs + 3807, heartbeats: true);
        Assert.That(view.IsUp(s_b), Is.False, $"phi {view.Phi(s_b, restartMs + 3807):F2}");
    }

    [Test]
    public void A_reported_failure_holds_until_the_heartbeat_advances_a_few_beats_past_the_one_known_then()
    {
        var view = View();
        view.Tick(0, heartbeats: true);
        view.Merge(Gossip(B(1, 1)), 0);
        view.ReportFailure(s_b);
        view.Merge(Gossip(B(1, 1)), 10);
        Assert.That((view.IsUp(s_b), view.UpCount, view.DownCount), Is.EqualTo((false, 1, 1)));
        view.Merge(Gossip(B(1, 4)), 20);
        Assert.That(view.IsUp(s_b), Is.False, "heartbeats sent before the failure may still be spreading");
        view.Merge(Gossip(B(1, 1 + Limits.MemberFailureHeartbeats)), 30);
        Assert.That(view.IsUp(s_b), Is.True);
        view.ReportFailure(s_self);
        Assert.That(view.IsUp(s_self), Is.True, "a node never believes itself down");
    }

    [Test]
    public void A_failure_of_a_member_never_heard_from_counts_from_the_first_heartbeat_learned()
    {
        var view = View();
        view.ReportFailure(s_b);
        view.Merge(Gossip(B(1, 7)), 0);
        Assert.That(view.IsUp(s_b), Is.False, "heartbeat 7 may have been sent before the failure");
        view.Merge(Gossip(B(1, 7 + Limits.MemberFailureHeartbeats)), 10);
        Assert.That(view.IsUp(s_b), Is.True);
    }

    [Test]
    public void Without_gossip_no_member_times_out_and_a_failure_is_forgotten_after_the_timeout()
    {
        var view = View();
        view.Tick(0, heartbeats: false);
        view.Tick(1_000, heartbeats: false);
        Assert.That(view.IsUp(s_b), Is.True, "no heartbeats to miss, and phi plays no part");
        view.ReportFailure(s_b);
        view.Tick(1_099, heartbeats: false);
        Assert.That(view.IsUp(s_b), Is.False);
        view.Tick(1_100, heartbeats: false);
        Assert.That(view.IsUp(s_b), Is.True, "tried again after the timeout");
    }

    [Test]
    public void A_node_jumps_past_a_heartbeat_of_its_own_that_peers_remember_from_before_a_restart()
    {
        var view = View();
        view.Merge(Gossip(new MemberState(s_self, "a:1", 1, MemberStatus.Up, 40)), 0);
        Assert.That(view.Self.Heartbeat, Is.EqualTo(41UL));
        view.Merge(Gossip(new MemberState(s_self, "a:1", 0, MemberStatus.Up, 90)), 0);
        Assert.That(view.Self.Heartbeat, Is.EqualTo(41UL), "an older epoch of itself is ignored");
    }

    [Test]
    public void The_view_is_bounded_and_ignores_entries_it_cannot_keep()
    {
        var view = View(capacity: 3);
        var added = view.Merge(Gossip(
            new MemberState(NodeId.Parse("c"), "c:1", 1, MemberStatus.Up, 1),
            new MemberState(NodeId.Parse("d"), "d:1", 1, MemberStatus.Up, 1),
            new MemberState(default, "x:1", 1, MemberStatus.Up, 1),
            new MemberState(NodeId.Parse("e"), new string('h', Limits.MemberAddressBytesMax + 1), 1, MemberStatus.Up, 1)), 0);
        Assert.That(added, Is.True);
        Assert.That(view.Nodes.ToArray(), Is.EqualTo(new[] { s_self, s_b, NodeId.Parse("c") }));
    }
}
