using Cordon.Core.Retention;
using Cordon.Core.Rules;
using Cordon.Server.Rights;
using Cordon.Server.Subjects;

namespace Cordon.Server.Retention;

/// <summary>What an erasure would do, computed without changing anything: what would go, what would stay and why.</summary>
public sealed record ErasurePlan(string SubjectId, int Records, IReadOnlyList<TypeCount> Deleted, IReadOnlyList<KeptGroup> Kept, bool Shred, bool OnLegalHold)
{
    public int DeletedCount => Deleted.Sum(d => d.Count);

    public int KeptCount => Kept.Sum(k => k.Count);
}

/// <summary>
/// Plans an erasure the way <see cref="SubjectEraser"/> carries it out (the retention verdict of every record in scope,
/// legal holds, shredding when a cancellation keeps nothing), for dry runs and previews.
/// </summary>
public static class ErasurePlanner
{
    /// <summary>The plan; null when there is no such subject (or its key was destroyed).</summary>
    public static async Task<ErasurePlan?> PlanAsync(Operation op, string subjectId, IReadOnlySet<string>? purposes, bool cancel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (!SubjectVault.IsWellFormedId(subjectId, "sub") || await op.Store.GetSubjectWithKeyAsync(op.Tenant.Id, subjectId, cancellationToken) is null)
        {
            return null;
        }

        var (facts, deleted, kept, onHold) = await JudgeAsync(op, subjectId, purposes, cancellationToken);
        var deletedCounts = CountByType(deleted);
        return new ErasurePlan(subjectId, facts.Count, deletedCounts, KeptGroups(facts, kept), cancel && kept.Count == 0 && facts.Count == deleted.Count, onHold);
    }

    /// <summary>
    /// Every record of the subject judged now: those in scope (<paramref name="purposes"/>, or all) that may go, and those a
    /// legal floor or hold keeps, with the verdict. One judgement serves the plan (dry run) and the erasure itself.
    /// </summary>
    public static async Task<(IReadOnlyList<RecordFacts> Facts, List<RecordFacts> Deleted, Dictionary<string, RetentionVerdict> Kept, bool OnHold)> JudgeAsync(Operation op, string subjectId, IReadOnlySet<string>? purposes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        var policy = new RetentionPolicy(op.Tenant.Profile);
        var facts = await op.Store.ListRecordFactsAsync(op.Tenant.Id, subjectId, cancellationToken);
        var onHold = (await op.Store.ListLegalHoldsAsync(op.Tenant.Id, subjectId, activeOnly: true, cancellationToken)).Count > 0;
        var deleted = new List<RecordFacts>();
        var kept = new Dictionary<string, RetentionVerdict>(StringComparer.Ordinal);
        foreach (var record in facts)
        {
            if (purposes is not null && !purposes.Contains(record.Purpose))
            {
                continue;
            }

            var verdict = policy.Judge(record, op.Now, onHold);
            if (verdict.MayDelete)
            {
                deleted.Add(record);
            }
            else
            {
                kept[record.Id] = verdict;
            }
        }

        return (facts, deleted, kept, onHold);
    }

    public static List<TypeCount> CountByType(IEnumerable<RecordFacts> records)
        => [.. records.GroupBy(d => d.Type, StringComparer.Ordinal).Select(g => new TypeCount(g.Key, g.Count())).OrderBy(t => t.Type, StringComparer.Ordinal)];

    /// <summary>Kept records grouped by type, reason and rule, with the latest date any of them must be kept to.</summary>
    public static IReadOnlyList<KeptGroup> KeptGroups(IReadOnlyList<RecordFacts> facts, IReadOnlyDictionary<string, RetentionVerdict> kept)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(kept);
        return [.. facts.Where(f => kept.ContainsKey(f.Id))
            .GroupBy(f => (f.Type, kept[f.Id].Keep, kept[f.Id].Rule))
            .Select(g =>
            {
                var rule = g.Key.Rule ?? "R19";
                var until = g.Max(f => kept[f.Id].KeepUntil);
                return new KeptGroup(g.Key.Type, g.Count(), g.Key.Keep == KeepReason.LegalHold ? "legal-hold" : "legal-minimum", rule, RuleBook.Get(rule).Citation, until);
            })
            .OrderBy(k => k.Type, StringComparer.Ordinal)];
    }
}
