namespace Dynamo.Engine.Placement;

/// <summary>
/// The claim algorithm: which member owns which partition. It works on member indexes (positions in the sorted
/// member list) so that it is a pure function of its inputs and every node computes the same ring.
/// </summary>
/// <remarks>
/// This is the Dynamo paper's strategy 3 (section 6.2: Q equal partitions, Q/S per node) with Riak's claim goals
/// (riak_core_claim): every member holds floor(Q/S) or ceil(Q/S) partitions; a membership change moves only the
/// partitions that must move; and the owners of any <c>spacing</c> consecutive partitions are distinct wherever the
/// member count allows (Riak's <c>target_n_val</c>).
/// </remarks>
internal static class Claim
{
    private const int Unowned = -1;

    /// <summary>The first ring of <paramref name="memberCount"/> sorted members: round-robin.</summary>
    public static int[] Initial(int memberCount, int partitionCount, int spacing)
    {
        var roundRobin = new int[partitionCount];
        for (var p = 0; p < partitionCount; p++)
        {
            roundRobin[p] = p % memberCount;
        }

        // Round-robin has a seam where the last partial round meets partition 0. If that round is shorter than the
        // spacing, the seam repeats owners; rounds that each skip one member instead end the ring on a full round.
        var lastRound = partitionCount % memberCount;
        if (lastRound == 0 || lastRound >= spacing)
        {
            return roundRobin;
        }

        var skipping = SkippingRounds(memberCount, partitionCount);
        return skipping is not null && SpacesBetter(skipping, roundRobin, spacing) ? skipping : roundRobin;
    }

    /// <summary>
    /// Re-claims for a new member set. <paramref name="owners"/> holds, per partition, the new index of its owner, or
    /// -1 where the owner left; <paramref name="counts"/> the partitions each new member holds now (0 for joiners).
    /// Returns the new owners. Moves exactly the orphaned partitions plus each member's excess over its target.
    /// </summary>
    public static int[] Reclaim(int[] owners, int[] counts, int spacing)
    {
        var partitionCount = owners.Length;
        var targets = Targets(counts, partitionCount);
        var excess = new int[counts.Length];
        var deficit = new int[counts.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            excess[i] = Math.Max(0, counts[i] - targets[i]);
            deficit[i] = Math.Max(0, targets[i] - counts[i]);
        }

        var result = (int[])owners.Clone();
        AssignOrphans(result, deficit, spacing);
        TakeFromDonors(result, excess, deficit, spacing);

        var claimed = new int[counts.Length];
        foreach (var owner in result)
        {
            Invariant.Check(owner != Unowned);
            claimed[owner]++;
        }

        Invariant.Check(claimed.AsSpan().SequenceEqual(targets));
        return result;
    }

    /// <summary>Owners of partitions p..p+width-1 (wrapping) that are not distinct, counted over every p.</summary>
    public static int SpacingViolations(ReadOnlySpan<int> owners, int width)
    {
        var violations = 0;
        for (var p = 0; p < owners.Length; p++)
        {
            if (!WindowIsDistinct(owners, p, width))
            {
                violations++;
            }
        }

        return violations;
    }

    // Fewer violations of narrower windows first: a repeat within 2 partitions hurts N = 2 and every larger N.
    private static bool SpacesBetter(int[] candidate, int[] incumbent, int spacing)
    {
        for (var width = 2; width <= spacing; width++)
        {
            var difference = SpacingViolations(candidate, width) - SpacingViolations(incumbent, width);
            if (difference != 0)
            {
                return difference < 0;
            }
        }

        return false;
    }

    private static bool WindowIsDistinct(ReadOnlySpan<int> owners, int start, int width)
    {
        for (var i = 1; i < width; i++)
        {
            var owner = owners[(start + i) % owners.Length];
            for (var j = 0; j < i; j++)
            {
                if (owners[(start + j) % owners.Length] == owner)
                {
                    return false;
                }
            }
        }

        return true;
    }

    // Round r of rounds 0..q lists the members in order; the last (memberCount - lastRound) rounds each skip one
    // member (the last round skips the last member, the one before it the next-to-last, ...). Counts stay
    // floor/ceil and the ring ends on a complete round, so the seam at partition 0 is like any round boundary.
    private static int[]? SkippingRounds(int memberCount, int partitionCount)
    {
        var rounds = (partitionCount / memberCount) + 1;
        var skips = memberCount - (partitionCount % memberCount);
        if (skips > rounds)
        {
            return null;
        }

        var owners = new int[partitionCount];
        var p = 0;
        for (var round = 0; round < rounds; round++)
        {
            var fromEnd = rounds - 1 - round;
            var skipped = fromEnd < skips ? memberCount - 1 - fromEnd : Unowned;
            for (var member = 0; member < memberCount; member++)
            {
                if (member != skipped)
                {
                    owners[p++] = member;
                }
            }
        }

        Invariant.Check(p == partitionCount);
        return owners;
    }

    // Each member gets floor(Q/S), and Q mod S members get one more: those holding the most now (ties to the lower
    // index), so that as few partitions as possible change hands.
    private static int[] Targets(int[] counts, int partitionCount)
    {
        var memberCount = counts.Length;
        var order = new int[memberCount];
        for (var i = 0; i < memberCount; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) => counts[a] != counts[b] ? counts[b].CompareTo(counts[a]) : a.CompareTo(b));
        var targets = new int[memberCount];
        var floor = partitionCount / memberCount;
        var larger = partitionCount % memberCount;
        for (var rank = 0; rank < memberCount; rank++)
        {
            targets[order[rank]] = floor + (rank < larger ? 1 : 0);
        }

        return targets;
    }

    // Partitions whose owner left go, in ring order, to a member still short of its target, preferring the one whose
    // nearest other partition is farthest (up to the spacing), then the one shortest of its target.
    private static void AssignOrphans(int[] owners, int[] deficit, int spacing)
    {
        for (var p = 0; p < owners.Length; p++)
        {
            if (owners[p] != Unowned)
            {
                continue;
            }

            var best = Unowned;
            var bestClearance = 0;
            for (var member = 0; member < deficit.Length; member++)
            {
                if (deficit[member] == 0)
                {
                    continue;
                }

                var clearance = Clearance(owners, p, member, spacing);
                if (best == Unowned || clearance > bestClearance
                    || (clearance == bestClearance && deficit[member] > deficit[best]))
                {
                    best = member;
                    bestClearance = clearance;
                }
            }

            Invariant.Check(best != Unowned);
            owners[p] = best;
            deficit[best]--;
        }
    }

    // Members still short of their target take partitions from members over theirs. Each taker aims at evenly
    // spaced points of the ring (offset between takers) and takes the best donor partition near each point: one
    // where it does not collide with the owners of the spacing-1 partitions on either side if there is one.
    private static void TakeFromDonors(int[] owners, int[] excess, int[] deficit, int spacing)
    {
        var takers = new List<int>();
        for (var member = 0; member < deficit.Length; member++)
        {
            if (deficit[member] > 0)
            {
                takers.Add(member);
            }
        }

        takers.Sort((a, b) => deficit[a] != deficit[b] ? deficit[b].CompareTo(deficit[a]) : a.CompareTo(b));
        long partitionCount = owners.Length;
        for (var k = 0; k < takers.Count; k++)
        {
            var taker = takers[k];
            long wanted = deficit[taker];
            var radius = (int)Math.Max(1, partitionCount / (2 * wanted));
            for (long j = 0; j < wanted; j++)
            {
                // ((2j + 1) / 2d + k / (d * takers)) of the way round the ring.
                var ideal = (int)((partitionCount * ((((2 * j) + 1) * takers.Count) + (2 * k))
                    / (2 * wanted * takers.Count)) % partitionCount);
                var p = BestDonorPartition(owners, excess, ideal, radius, taker, spacing);
                excess[owners[p]]--;
                owners[p] = taker;
                deficit[taker]--;
            }
        }
    }

    // The donor partition within radius of ideal (widening the radius until there is one) that is best for the
    // taker: largest clearance first; then one whose donor owns another partition nearby, since taking it mends a
    // spacing violation; then the nearest, clockwise first.
    private static int BestDonorPartition(int[] owners, int[] excess, int ideal, int radius, int taker, int spacing)
    {
        var count = owners.Length;
        var best = Unowned;
        var bestScore = -1;
        var bestPossible = (2 * spacing) + 1;
        for (var distance = 0; distance <= count / 2; distance++)
        {
            if (distance > radius && best != Unowned)
            {
                break;
            }

            var clockwise = (ideal + distance) % count;
            var counterClockwise = (((ideal - distance) % count) + count) % count;
            foreach (var p in (ReadOnlySpan<int>)[clockwise, counterClockwise])
            {
                if (excess[owners[p]] == 0)
                {
                    continue;
                }

                var mends = Clearance(owners, p, owners[p], spacing) < spacing ? 1 : 0;
                var score = (2 * Clearance(owners, p, taker, spacing)) + mends;
                if (score > bestScore)
                {
                    best = p;
                    bestScore = score;
                    if (score == bestPossible)
                    {
                        return best;
                    }
                }
            }
        }

        Invariant.Check(best != Unowned);
        return best;
    }

    // The distance from p to the nearest other partition that member owns, capped at spacing.
    private static int Clearance(int[] owners, int p, int member, int spacing)
    {
        var count = owners.Length;
        for (var d = 1; d < spacing; d++)
        {
            if (owners[(p + d) % count] == member || owners[(((p - d) % count) + count) % count] == member)
            {
                return d;
            }
        }

        return spacing;
    }
}
