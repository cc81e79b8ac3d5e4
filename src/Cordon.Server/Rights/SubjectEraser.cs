using System.Diagnostics;
using Cordon.Core;
using Cordon.Core.Audit;
using Cordon.Core.Crypto;
using Cordon.Core.Subjects;
using Cordon.Server.Subjects;
using Cordon.Storage;

namespace Cordon.Server.Rights;

/// <summary>How many records of a type.</summary>
public sealed record TypeCount(string Type, int Count);

/// <summary>Records kept after an erasure, why, by which rule, until when.</summary>
public sealed record KeptGroup(string Type, int Count, string Reason, string Rule, string Citation, DateTimeOffset? Until);

/// <summary>What an erasure did: what went, what stays and why, and how long the steps took.</summary>
public sealed record ErasureReport(
    string SubjectId,
    string State,
    bool Shredded,
    int KeyVersion,
    IReadOnlyList<TypeCount> Deleted,
    IReadOnlyList<KeptGroup> Kept,
    int Purged,
    double KeyDestructionMs,
    double PurgeMs)
{
    public int DeletedCount => Deleted.Sum(d => d.Count);

    public int KeptCount => Kept.Sum(k => k.Count);
}

/// <summary>
/// Erases a subject's data: what no law keeps goes by crypto-shredding; what a law or a legal hold keeps stays,
/// re-sealed under a new data key and restricted (R19). With nothing kept on a cancellation, every key of the subject is
/// destroyed in one constant-time step and the unreadable rows are purged after.
/// </summary>
public static class SubjectEraser
{
    private const int PurgeBatch = 5_000;
    private const int Attempts = 3;

    /// <summary>
    /// Erases the subject's records collected under <paramref name="purposes"/> (null: all of them); with
    /// <paramref name="cancel"/> the account ends too (state cancelled, external id and care team removed). The audit
    /// entry records <paramref name="action"/> with the rules that triggered it and names <paramref name="reference"/>
    /// (the rights request).
    /// </summary>
    public static async Task<Result<ErasureReport>> EraseAsync(Operation op, string subjectId, IReadOnlySet<string>? purposes, bool cancel, string action, string? reference, IReadOnlyList<string> rules, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        for (var attempt = 1; ; attempt++)
        {
            var outcome = await TryEraseAsync(op, subjectId, purposes, cancel, action, reference, rules, cancellationToken);
            if (outcome is not null)
            {
                return outcome.Value;
            }

            if (attempt == Attempts)
            {
                return Failure.Conflict("subject.busy", "The subject's data kept changing while it was being erased; try again.");
            }
        }
    }

    /// <summary>Removes the rows of a shredded subject in batches (they are unreadable already); returns how many.</summary>
    public static async Task<int> PurgeAsync(ICordonStore store, string tenant, string subjectId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var total = 0;
        while (true)
        {
            var removed = await store.PurgeShreddedRecordsAsync(tenant, subjectId, PurgeBatch, cancellationToken);
            total += removed;
            if (removed < PurgeBatch)
            {
                return total;
            }
        }
    }

    /// <summary>Null when the subject changed under the plan (plan again).</summary>
    private static async Task<Result<ErasureReport>?> TryEraseAsync(Operation op, string subjectId, IReadOnlySet<string>? purposes, bool cancel, string action, string? reference, IReadOnlyList<string> rules, CancellationToken cancellationToken)
    {
        var tenant = op.Tenant;
        using var subject = await SubjectVault.OpenAsync(tenant, op.Store, subjectId, cancellationToken);
        if (subject is null)
        {
            return Failure.NotFound("subject");
        }

        var (facts, deleted, keptVerdicts, _) = await Retention.ErasurePlanner.JudgeAsync(op, subject.Id, purposes, cancellationToken);
        var state = cancel ? SubjectState.Cancelled : subject.Row.State;
        var keptGroups = Retention.ErasurePlanner.KeptGroups(facts, keptVerdicts);
        var deletedCounts = Retention.ErasurePlanner.CountByType(deleted);
        var audit = op.Audit(action, AuditOutcome.Done, subject.Id, reference is null ? [] : [reference], rules);
        var clock = Stopwatch.StartNew();

        if (cancel && keptVerdicts.Count == 0 && facts.Count == deleted.Count)
        {
            var shred = new SubjectErasure
            {
                Tenant = tenant.Id,
                SubjectId = subject.Id,
                ExpectedKeyVersion = subject.Row.KeyVersion,
                State = state,
            };
            var status = await op.Store.EraseAsync(shred, audit, cancellationToken);
            if (status == WriteStatus.Stale)
            {
                return null;
            }

            if (status == WriteStatus.NotFound)
            {
                return Failure.NotFound("subject");
            }

            var keyMs = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            var purged = await PurgeAsync(op.Store, tenant.Id, subject.Id, cancellationToken);
            return new ErasureReport(subject.Id, state.ToKey(), true, 0, deletedCounts, [], purged, keyMs, clock.Elapsed.TotalMilliseconds);
        }

        var newlyRestricted = keptVerdicts.Count > 0;
        if (deleted.Count == 0 && !newlyRestricted && !cancel)
        {
            return new ErasureReport(subject.Id, state.ToKey(), false, subject.Row.KeyVersion, [], keptGroups, 0, 0, 0);
        }

        // Re-key: everything that stays is re-sealed under a new key; the old key, and with it every copy of what was
        // deleted, is destroyed in the same transaction.
        var version = subject.Row.KeyVersion + 1;
        var (keyRow, cipher) = SubjectVault.NewKey(tenant, subject.Id, version, op.Now);
        using (cipher)
        {
            // The new key is durable before anything is sealed under it (the key store commits separately on SQLite).
            await op.Store.PutSubjectKeyAsync(keyRow, cancellationToken);
            var deletedIds = deleted.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
            var current = await op.Store.ListRecordsAsync(tenant.Id, subject.Id, null, cancellationToken);
            var kept = new List<RecordRow>();
            var keptVersions = new List<RecordRow>();
            var judged = facts.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var row in current)
            {
                if (!judged.Contains(row.Id))
                {
                    // Written after the records were judged: judge again rather than carry it over unjudged.
                    return null;
                }

                if (deletedIds.Contains(row.Id))
                {
                    continue;
                }

                var restricted = row.Restricted || keptVerdicts.ContainsKey(row.Id);
                kept.Add(Reseal(tenant.Id, subject, cipher, row) with { Restricted = restricted });
                if (row.Version > 1)
                {
                    foreach (var old in await op.Store.GetRecordVersionsAsync(tenant.Id, row.Id, cancellationToken))
                    {
                        if (old.Version < row.Version)
                        {
                            keptVersions.Add(Reseal(tenant.Id, subject, cipher, old) with { Restricted = restricted });
                        }
                    }
                }
            }

            var erasure = new SubjectErasure
            {
                Tenant = tenant.Id,
                SubjectId = subject.Id,
                ExpectedKeyVersion = subject.Row.KeyVersion,
                State = state,
                NewKey = keyRow,
                SubjectSealed = SubjectVault.SealProfile(tenant.Id, subject.Id, cipher, subject.Profile),
                Kept = kept,
                KeptVersions = keptVersions,
                Deleted = [.. deletedIds],
                RemoveSubjectLookups = cancel,
                RemoveCareTeam = cancel,
            };
            var status = await op.Store.EraseAsync(erasure, audit, cancellationToken);
            if (status == WriteStatus.Stale)
            {
                return null;
            }

            if (status == WriteStatus.NotFound)
            {
                return Failure.NotFound("subject");
            }

            return new ErasureReport(subject.Id, state.ToKey(), false, version, deletedCounts, keptGroups, 0, clock.Elapsed.TotalMilliseconds, 0);
        }
    }

    private static RecordRow Reseal(string tenant, OpenSubject subject, RecordCipher cipher, RecordRow row)
    {
        var binding = new RecordBinding(tenant, subject.Id, row.Id, row.Type, row.Version);
        var plain = subject.Cipher.Open(binding, row.Sealed);
        try
        {
            return row with { Sealed = cipher.Seal(binding, plain) };
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(plain);
        }
    }
}
