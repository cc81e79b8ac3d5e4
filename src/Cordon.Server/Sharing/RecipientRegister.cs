using System.Text.Json;
using Cordon.Core;
using Cordon.Core.Audit;
using Cordon.Core.Profiles;
using Cordon.Core.Sharing;
using Cordon.Core.Text;
using Cordon.Server.Rights;
using Cordon.Server.Subjects;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Server.Sharing;

/// <summary>
/// The register of recipients: who they are comes from the profile (the privacy notice lists them, and a change renews
/// the consents it touches, R04); what has been agreed with them — the contract, the transfer mechanism for a recipient
/// abroad, the genetic-data filing — is evidence recorded here with dates, the latest of each kind in force.
/// </summary>
public static class RecipientRegister
{
    public static RecipientDef? Find(TenantContext tenant, string key)
        => Guard.NotNull(tenant).Profile.Recipients.FirstOrDefault(r => string.Equals(r.Key, key, StringComparison.Ordinal));

    /// <summary>The refusal for a key the register does not hold, naming the nearest one.</summary>
    public static Failure Unknown(TenantContext tenant, string key)
    {
        var keys = Guard.NotNull(tenant).Profile.Recipients.Select(r => r.Key).ToList();
        var nearest = Nearest.To(key, keys);
        var detail = keys.Count == 0
            ? "The profile declares no recipients; data leaves Cordon for no one but the patient."
            : $"'{Clip(key)}' is not in the register ({string.Join(", ", keys)}){(nearest is null ? string.Empty : $"; did you mean '{nearest}'?")}";
        return Failure.From(SharingRefusals.RecipientUnknown, detail);
    }

    public static async Task<RecipientStanding> StandingAsync(TenantContext tenant, ISharingStore store, RecipientDef recipient, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var evidence = await store.ListRecipientEvidenceAsync(Guard.NotNull(tenant).Id, Guard.NotNull(recipient).Key, cancellationToken);
        return StandingOf(recipient, evidence);
    }

    /// <summary>Every recipient of the register with its evidence, in register order, from one read of the evidence.</summary>
    public static async Task<IReadOnlyList<RecipientStanding>> StandingsAsync(TenantContext tenant, ISharingStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var evidence = (await store.ListRecipientEvidenceAsync(Guard.NotNull(tenant).Id, null, cancellationToken)).ToLookup(e => e.Recipient, StringComparer.Ordinal);
        return [.. tenant.Profile.Recipients.Select(r => StandingOf(r, [.. evidence[r.Key]]))];
    }

    public static async Task<IReadOnlyList<RecipientView>> ListAsync(TenantContext tenant, ISharingStore store, DateOnly today, CancellationToken cancellationToken)
    {
        var standings = await StandingsAsync(tenant, store, cancellationToken);
        var assessments = Assessments.Parse(await store.ListAssessmentsAsync(tenant.Id, cancellationToken));
        return [.. standings.Select(s => View(tenant.Profile, s, assessments, today))];
    }

    public static async Task<Result<RecipientView>> GetAsync(TenantContext tenant, ISharingStore store, string key, DateOnly today, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (Find(tenant, key) is not { } recipient)
        {
            return Unknown(tenant, key);
        }

        var assessments = Assessments.Parse(await store.ListAssessmentsAsync(tenant.Id, cancellationToken));
        return View(tenant.Profile, await StandingAsync(tenant, store, recipient, cancellationToken), assessments, today);
    }

    public static Task<Result<RecipientView>> PutContractAsync(Operation op, string key, ContractRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        Text(errors, "reference", request.Reference, 200);
        Text(errors, "permits", request.Permits, 2000);
        if (request.ValidUntil < request.ValidFrom)
        {
            errors["validUntil"] = ["On or after validFrom."];
        }

        if (request.AtEnd is not ("delete" or "return"))
        {
            errors["atEnd"] = ["delete or return: what the recipient does with the data when the contract ends (PIPL Art. 21)."];
        }

        var purposes = Guard.NotNull(op).Tenant.Profile.Purposes.Select(p => p.Key).ToList();
        if (request.Purposes is not { Count: > 0 } || request.Purposes.Any(p => !purposes.Contains(p, StringComparer.Ordinal)))
        {
            errors["purposes"] = [$"One or more purposes of the profile: {string.Join(", ", purposes)}."];
        }

        var contract = new RecipientContract(request.Reference?.Trim() ?? string.Empty, request.SignedOn, request.ValidFrom, request.ValidUntil, request.Purposes ?? [], request.Permits?.Trim() ?? string.Empty, request.SubEntrustingApproved, request.AtEnd ?? string.Empty);
        return PutAsync(op, key, RecipientEvidenceRow.Contract, errors, JsonSerializer.Serialize(contract, SharingJson.Strict.RecipientContract), "R11", cancellationToken);
    }

    public static Task<Result<RecipientView>> PutTransferAsync(Operation op, string key, TransferRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        Text(errors, "reference", request.Reference, 200);
        if (!TransferBasis.Kinds.Contains(request.Kind, StringComparer.Ordinal))
        {
            errors["kind"] = [$"One of {string.Join(", ", TransferBasis.Kinds)}."];
        }

        if (request.Kind == TransferBasis.Exempt && !TransferBasis.ExemptBases.Contains(request.ExemptBasis ?? string.Empty, StringComparer.Ordinal))
        {
            errors["exemptBasis"] = [$"An exemption names its ground under the 2024 provisions Art. 5 (R37): {string.Join(", ", TransferBasis.ExemptBases)}."];
        }

        var validUntil = request.ValidUntil;
        if (request.Kind == TransferBasis.SecurityAssessment)
        {
            // A security assessment's result is valid three years (R36).
            var limit = request.Since.AddYears(3);
            validUntil = validUntil is { } given && given < limit ? given : limit;
        }

        if (validUntil is { } until && until < request.Since)
        {
            errors["validUntil"] = ["On or after since."];
        }

        if (Find(Guard.NotNull(op).Tenant, key) is { Abroad: false })
        {
            errors["kind"] = [$"'{Clip(key)}' is in mainland China: a transfer mechanism is for a recipient abroad (R33)."];
        }

        var basis = new TransferBasis(request.Kind ?? string.Empty, request.Reference?.Trim() ?? string.Empty, request.Since, validUntil, request.Kind == TransferBasis.Exempt ? request.ExemptBasis : null);
        return PutAsync(op, key, RecipientEvidenceRow.Transfer, errors, JsonSerializer.Serialize(basis, SharingJson.Strict.TransferBasis), "R33", cancellationToken);
    }

    public static Task<Result<RecipientView>> PutGeneticFilingAsync(Operation op, string key, GeneticFilingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        Text(errors, "reference", request.Reference, 200);
        var filing = new GeneticFiling(request.Reference?.Trim() ?? string.Empty, request.FiledOn);
        return PutAsync(op, key, RecipientEvidenceRow.GeneticFiling, errors, JsonSerializer.Serialize(filing, SharingJson.Strict.GeneticFiling), "R39", cancellationToken);
    }

    private static async Task<Result<RecipientView>> PutAsync(Operation op, string key, string kind, Dictionary<string, string[]> errors, string body, string rule, CancellationToken cancellationToken)
    {
        if (Find(op.Tenant, key) is not { } recipient)
        {
            return Unknown(op.Tenant, key);
        }

        if (errors.Count > 0)
        {
            return Failure.Invalid(errors);
        }

        var row = new RecipientEvidenceRow { Tenant = op.Tenant.Id, Recipient = recipient.Key, Kind = kind, Id = SubjectVault.NewId("evd"), RecordedAt = op.Now, RecordedBy = op.ActorId, Body = body };
        await op.Store.PutRecipientEvidenceAsync(row, op.Audit("recipient." + kind, AuditOutcome.Done, null, [row.Id], [rule]), cancellationToken);
        return await GetAsync(op.Tenant, op.Store, recipient.Key, op.Today, cancellationToken);
    }

    private static RecipientStanding StandingOf(RecipientDef recipient, IReadOnlyList<RecipientEvidenceRow> evidence)
    {
        T? Latest<T>(string kind, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
            where T : class
            => evidence.LastOrDefault(e => e.Kind == kind) is { } row ? JsonSerializer.Deserialize(row.Body, type) : null;

        return new RecipientStanding(
            recipient,
            Latest(RecipientEvidenceRow.Contract, SharingJson.Strict.RecipientContract),
            Latest(RecipientEvidenceRow.Transfer, SharingJson.Strict.TransferBasis),
            Latest(RecipientEvidenceRow.GeneticFiling, SharingJson.Strict.GeneticFiling));
    }

    /// <summary>The register entry with its evidence and, in words, what the gate would still refuse it for.</summary>
    private static RecipientView View(Profile profile, RecipientStanding standing, IReadOnlyList<ImpactAssessment> assessments, DateOnly today)
    {
        var r = standing.Recipient;
        var activity = SharingPolicy.ActivityOf(r);
        var purposes = profile.Purposes.Where(p => p.Recipients.Contains(r.Key, StringComparer.Ordinal)).Select(p => p.Key).ToList();
        var missing = new List<string>();
        if (r.Fields.Count == 0)
        {
            missing.Add("fields: the profile declares none it may receive (R10)");
        }

        if (activity != SharingActivity.Disclose)
        {
            if (standing.Contract is null)
            {
                missing.Add("contract: none recorded (R11)");
            }
            else if (!standing.Contract.InForce(today))
            {
                missing.Add($"contract: {standing.Contract.Reference} not in force today (R11)");
            }
        }

        var scope = AssessmentScopes.Of(activity);
        if (!purposes.Any(p => assessments.Any(a => a.Allows(scope, p, r.Key, today))))
        {
            missing.Add($"assessment: no approved one covers {scope} to it (R25)");
        }

        if (r.Abroad)
        {
            if (!purposes.Any(p => assessments.Any(a => a.Allows(AssessmentScopes.Export, p, r.Key, today))))
            {
                missing.Add("assessment: no approved one covers export to it (R33)");
            }

            if (standing.Transfer is null)
            {
                missing.Add("transfer: no mechanism or exemption recorded; transfers go only while the year's counts stay below the R34 thresholds with no sensitive data");
            }
        }

        var fields = r.Fields.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)[.. kv.Value.Order(StringComparer.Ordinal)], StringComparer.Ordinal);
        return new RecipientView(r.Key, r.Name, r.Kind, activity.ToString().ToLowerInvariant(), r.Jurisdiction, r.Abroad, r.ForeignControlled, r.Contact, r.Receives, r.Description,
            r.Method, r.Endpoint, r.Deidentify, purposes, fields, standing.Contract, standing.Transfer, standing.GeneticFiling, missing);
    }

    private static void Text(Dictionary<string, string[]> errors, string field, string? value, int max)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > max)
        {
            errors[field] = [$"1 to {max} characters."];
        }
    }

    /// <summary>A key as a refusal or a record may quote it: at most 64 characters of what the caller sent.</summary>
    internal static string Clip(string key) => key.Length <= 64 ? key : key[..64] + "…";
}
