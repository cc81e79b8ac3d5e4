using System.Runtime.CompilerServices;
using System.Text.Json;
using Cordon.Core.Catalog;
using Cordon.Core.Consent;
using Cordon.Core.Profiles;
using Cordon.Core.Rights;
using Cordon.Core.Subjects;
using Cordon.Server.Records;
using Cordon.Server.Subjects;
using Cordon.Storage;

namespace Cordon.Server.Rights;

/// <summary>The two shapes of a subject's data: Cordon's JSON document, or a FHIR R4 Bundle of type collection.</summary>
public enum ExportFormat
{
    Json,
    Fhir,
}

/// <summary>What an export held, for the rights request's evidence and the CLI's summary.</summary>
public sealed record ExportSummary(int Records, int Restricted, int ConsentEvents, int Disclosures, int RightsRequests);

/// <summary>
/// Writes everything held about a subject, decrypted: identity, records (current versions), consents with their full
/// history, disclosures so far (from the audit chain), the recipients of each purpose, and the subject's rights requests.
/// Records stream page by page, so a subject with many records never sits in memory whole. Records kept only because a
/// law requires it (restricted, R19) are listed without their content.
/// </summary>
public static class SubjectExport
{
    public const string FhirContentType = "application/fhir+json";
    private const int Page = 500;
    private const string CordonFhir = "https://cordon.dev/fhir";

    /// <summary>Writes the export; <paramref name="include"/> narrows the records (portability sends only what the subject gave by consent or contract).</summary>
    public static async Task<ExportSummary> WriteAsync(Operation op, OpenSubject subject, ExportFormat format, Stream output, string? reference, Action<int>? progress, CancellationToken cancellationToken, Func<RecordRow, bool>? include = null)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(output);
        await using var writer = new Utf8JsonWriter(output, Core.Json.JsonOutput.WriterOptions);
        var filter = include ?? (static _ => true);
        return format == ExportFormat.Fhir
            ? await WriteFhirAsync(op, subject, writer, reference, filter, progress, cancellationToken)
            : await WriteJsonAsync(op, subject, writer, filter, progress, cancellationToken);
    }

    private static async Task<ExportSummary> WriteJsonAsync(Operation op, OpenSubject subject, Utf8JsonWriter w, Func<RecordRow, bool> include, Action<int>? progress, CancellationToken cancellationToken)
    {
        var tenant = op.Tenant;
        w.WriteStartObject();
        w.WriteString("format", "cordon.subject-export/1");
        w.WriteString("generatedAt", op.Now);
        w.WriteStartObject("operator");
        w.WriteString("name", tenant.Profile.Operator.Name);
        w.WriteString("contact", tenant.Profile.Operator.Email);
        w.WriteString("dpo", tenant.Profile.Operator.DpoEmail);
        w.WriteEndObject();
        w.WriteStartObject("subject");
        w.WriteString("id", subject.Id);
        w.WriteString("externalId", subject.Profile.ExternalId);
        w.WriteString("birthDate", subject.Profile.BirthDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        if (subject.Profile.DisplayName is { } name)
        {
            w.WriteString("displayName", name);
        }

        w.WriteString("state", subject.Row.State.ToKey());
        if (subject.Row.GuardianId is { } guardian)
        {
            w.WriteString("guardianSubjectId", guardian);
        }

        w.WriteString("createdAt", subject.Row.CreatedAt);
        w.WriteEndObject();

        w.WriteStartArray("records");
        var restricted = new List<RecordRow>();
        var count = await ForEachRecordAsync(op, subject, restricted, include, async (row, plain) =>
        {
            w.WriteStartObject();
            w.WriteString("id", row.Id);
            w.WriteString("type", row.Type);
            w.WriteNumber("version", row.Version);
            w.WriteString("level", ((Level)row.Level).ToKey());
            w.WriteString("purpose", row.Purpose);
            w.WriteString("createdAt", row.CreatedAt);
            w.WriteString("updatedAt", row.UpdatedAt);
            w.WritePropertyName("resource");
            w.WriteRawValue(plain, skipInputValidation: true);
            w.WriteEndObject();
            if (w.BytesPending > 32 * 1024)
            {
                await w.FlushAsync(cancellationToken);
            }
        }, progress, cancellationToken);
        w.WriteEndArray();

        w.WriteStartArray("restricted");
        foreach (var row in restricted)
        {
            w.WriteStartObject();
            w.WriteString("id", row.Id);
            w.WriteString("type", row.Type);
            w.WriteString("purpose", row.Purpose);
            w.WriteString("createdAt", row.CreatedAt);
            w.WriteString("why", "Kept only because a law requires it; stored and protected, not otherwise processed (R19).");
            w.WriteEndObject();
        }

        w.WriteEndArray();

        var history = await op.Store.GetHistoryAsync(tenant.Id, subject.Id, cancellationToken);
        w.WriteStartObject("consents");
        w.WriteStartArray("current");
        foreach (var c in ConsentLedger.Current(history, tenant.Policy.PurposeFingerprint))
        {
            w.WriteStartObject();
            w.WriteString("purpose", c.Purpose);
            w.WriteString("state", c.Status.ToKey());
            if (c.Since is { } since)
            {
                w.WriteString("since", since);
            }

            if (c.NoticeVersion is not null)
            {
                w.WriteString("noticeVersion", c.NoticeVersion);
            }
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("history");
        foreach (var e in history)
        {
            w.WriteStartObject();
            w.WriteString("id", e.Id);
            w.WriteString("purpose", e.Purpose);
            if (e.Recipient is not null)
            {
                w.WriteString("recipient", e.Recipient);
            }

            w.WriteString("action", e.Action.ToKey());
            w.WriteString("givenBy", e.GivenBy.ToKey());
            w.WriteString("noticeVersion", e.NoticeVersion);
            w.WriteString("channel", e.Channel);
            w.WriteString("time", e.Time);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();

        var disclosures = await DisclosuresAsync(op, subject.Id, cancellationToken);
        var recipients = (await op.Store.ListDisclosuresAsync(op.Tenant.Id, null, subject.Id, 1000, cancellationToken)).ToDictionary(d => d.Id, d => d.Recipient, StringComparer.Ordinal);
        w.WriteStartArray("disclosures");
        foreach (var d in disclosures)
        {
            w.WriteStartObject();
            w.WriteString("time", d.Draft.Time);
            w.WriteString("action", d.Draft.Action);
            if (d.Draft.Purpose is not null)
            {
                w.WriteString("purpose", d.Draft.Purpose);
            }

            // Through the egress gate: the disclosure's id comes first among the entry's records; say to whom (PIPL Art. 48).
            if (d.Draft.RecordIds.Count > 0 && recipients.TryGetValue(d.Draft.RecordIds[0], out var key))
            {
                w.WriteString("recipient", key);
                if (tenant.Profile.Recipients.FirstOrDefault(r => r.Key == key) is { } recipient)
                {
                    w.WriteString("recipientName", recipient.Name);
                }
            }

            w.WriteString("by", d.Draft.ActorId);
            w.WriteNumber("records", d.Draft.RecordIds.Count);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        WriteRecipients(w, tenant.Profile, history, tenant.Policy.PurposeFingerprint);

        var requests = await RightsRequestsAsync(op, subject.Id, cancellationToken);
        w.WriteStartArray("rightsRequests");
        foreach (var r in requests)
        {
            w.WriteStartObject();
            w.WriteString("id", r.Id);
            w.WriteString("kind", r.Kind.ToKey());
            w.WriteString("status", r.Status.ToKey());
            w.WriteString("createdAt", r.CreatedAt);
            w.WriteString("dueOn", r.DueOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            if (r.ClosedAt is { } closed)
            {
                w.WriteString("closedAt", closed);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        await w.FlushAsync(cancellationToken);
        return new ExportSummary(count, restricted.Count, history.Count, disclosures.Count, requests.Count);
    }

    private static async Task<ExportSummary> WriteFhirAsync(Operation op, OpenSubject subject, Utf8JsonWriter w, string? reference, Func<RecordRow, bool> include, Action<int>? progress, CancellationToken cancellationToken)
    {
        var tenant = op.Tenant;
        w.WriteStartObject();
        w.WriteString("resourceType", "Bundle");
        if (reference is not null)
        {
            w.WritePropertyName("identifier");
            WriteIdentifier(w, CordonFhir + "/rights-request", reference);
        }

        w.WriteString("type", "collection");
        w.WriteString("timestamp", op.Now);
        w.WriteStartArray("entry");
        WritePatient(w, subject);
        var restricted = new List<RecordRow>();
        var count = await ForEachRecordAsync(op, subject, restricted, include, async (row, plain) =>
        {
            w.WriteStartObject();
            w.WritePropertyName("resource");
            if (tenant.Profile.Catalog.TryGetType(row.Type, out var def) && def.Kind == RecordKind.Fhir)
            {
                w.WriteRawValue(plain, skipInputValidation: true);
            }
            else
            {
                // A declared (non-FHIR) record travels as a Basic resource carrying its JSON.
                WriteBasic(w, row, ("declared-record", System.Text.Encoding.UTF8.GetString(plain)));
            }

            w.WriteEndObject();
            if (w.BytesPending > 32 * 1024)
            {
                await w.FlushAsync(cancellationToken);
            }
        }, progress, cancellationToken);

        var history = await op.Store.GetHistoryAsync(tenant.Id, subject.Id, cancellationToken);
        foreach (var e in history)
        {
            // Each ledger event as a FHIR Consent: opt-in for a grant, opt-out for a withdrawal, the purpose as provision.
            StartEntry(w, "Consent", FhirId(e.Id));
            w.WriteString("status", e.Action == ConsentAction.Grant ? "active" : "inactive");
            w.WriteStartObject("scope");
            WriteCoding(w, "http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", "Privacy Consent");
            w.WriteEndObject();
            w.WriteStartArray("category");
            w.WriteStartObject();
            WriteCoding(w, "http://loinc.org", "59284-0", "Patient Consent");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteString("dateTime", e.Time);
            w.WriteStartObject("policyRule");
            WriteCoding(w, "http://terminology.hl7.org/CodeSystem/v3-ActCode", e.Action == ConsentAction.Grant ? "OPTIN" : "OPTOUT", null);
            w.WriteEndObject();
            w.WriteStartObject("provision");
            w.WriteString("type", e.Action == ConsentAction.Grant ? "permit" : "deny");
            w.WriteStartArray("purpose");
            WriteCodingValue(w, CordonFhir + "/purpose", e.Purpose, null);
            w.WriteEndArray();
            w.WriteEndObject();
            EndEntry(w);
        }

        foreach (var row in restricted)
        {
            WriteRestricted(w, row);
        }

        var disclosures = await DisclosuresAsync(op, subject.Id, cancellationToken);
        foreach (var d in disclosures)
        {
            WriteDisclosure(w, tenant.Profile, subject, d);
        }

        foreach (var (purpose, recipient) in RecipientsOf(tenant.Profile, history, tenant.Policy.PurposeFingerprint))
        {
            WriteRecipient(w, purpose, recipient);
        }

        var requests = await RightsRequestsAsync(op, subject.Id, cancellationToken);
        foreach (var r in requests)
        {
            WriteRightsRequest(w, subject, r);
        }

        w.WriteEndArray();
        w.WriteEndObject();
        await w.FlushAsync(cancellationToken);
        return new ExportSummary(count, restricted.Count, history.Count, disclosures.Count, requests.Count);
    }

    private static string FhirId(string id) => id.Replace('_', '-');

    private static string PatientReference(OpenSubject subject) => "Patient/" + FhirId(subject.Id);

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The subject's registered identity as the Bundle's Patient: Cordon's id, the operator's external id, name and birth date.</summary>
    private static void WritePatient(Utf8JsonWriter w, OpenSubject subject)
    {
        StartEntry(w, "Patient", FhirId(subject.Id));
        w.WriteStartArray("identifier");
        WriteIdentifier(w, CordonFhir + "/subject-id", subject.Id);
        WriteIdentifier(w, CordonFhir + "/external-id", subject.Profile.ExternalId);
        w.WriteEndArray();
        w.WriteBoolean("active", subject.Row.State == SubjectState.Active);
        if (subject.Profile.DisplayName is { } name)
        {
            w.WriteStartArray("name");
            w.WriteStartObject();
            w.WriteString("text", name);
            w.WriteEndObject();
            w.WriteEndArray();
        }

        w.WriteString("birthDate", Day(subject.Profile.BirthDate));
        if (subject.Row.GuardianId is { } guardian)
        {
            // The guardian is a subject of their own; the link says who acts for this one.
            w.WriteStartArray("link");
            w.WriteStartObject();
            w.WriteStartObject("other");
            w.WriteString("reference", "Patient/" + FhirId(guardian));
            w.WriteString("display", "guardian / 监护人");
            w.WriteEndObject();
            w.WriteString("type", "seealso");
            w.WriteEndObject();
            w.WriteEndArray();
        }

        EndEntry(w);
    }

    /// <summary>A record kept only because a law requires it: listed, not opened (R19).</summary>
    private static void WriteRestricted(Utf8JsonWriter w, RecordRow row)
    {
        w.WriteStartObject();
        w.WritePropertyName("resource");
        WriteBasic(w, row, ("restricted-record", "Kept only because a law requires it; stored and protected, not otherwise processed (R19). / 仅因法律要求而保存，除存储和必要的安全保护外不作其他处理。"), ("purpose", row.Purpose));
        w.WriteEndObject();
    }

    /// <summary>A record as a Basic resource: its id, the string extensions that carry it, its record type and the day it was made.</summary>
    private static void WriteBasic(Utf8JsonWriter w, RecordRow row, params ReadOnlySpan<(string Name, string Value)> extensions)
    {
        w.WriteStartObject();
        w.WriteString("resourceType", "Basic");
        w.WriteString("id", FhirId(row.Id));
        w.WriteStartArray("extension");
        foreach (var (name, value) in extensions)
        {
            WriteStringExtension(w, name, value);
        }

        w.WriteEndArray();
        w.WriteStartObject("code");
        WriteCoding(w, CordonFhir + "/record-type", row.Type, null);
        w.WriteEndObject();
        w.WriteString("created", row.CreatedAt.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteEndObject();
    }

    /// <summary>A disclosure of the subject's data from the audit chain, as an AuditEvent: when, what, under which purpose, by whom.</summary>
    private static void WriteDisclosure(Utf8JsonWriter w, Profile profile, OpenSubject subject, Core.Audit.AuditEntry entry)
    {
        var d = entry.Draft;
        StartEntry(w, "AuditEvent", "audit-" + entry.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        w.WritePropertyName("type");
        WriteCodingValue(w, CordonFhir + "/audit-action", d.Action, null);
        w.WriteString("recorded", d.Time);
        if (d.Purpose is not null)
        {
            w.WriteStartArray("purposeOfEvent");
            w.WriteStartObject();
            WriteCoding(w, CordonFhir + "/purpose", d.Purpose, null);
            w.WriteEndObject();
            w.WriteEndArray();
        }

        w.WriteStartArray("agent");
        w.WriteStartObject();
        w.WriteStartObject("who");
        w.WritePropertyName("identifier");
        WriteIdentifier(w, CordonFhir + "/actor", d.ActorId);
        w.WriteEndObject();
        w.WriteBoolean("requestor", true);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartObject("source");
        w.WriteStartObject("observer");
        w.WriteString("display", profile.Operator.Name);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartArray("entity");
        w.WriteStartObject();
        w.WriteStartObject("what");
        w.WriteString("reference", PatientReference(subject));
        w.WriteEndObject();
        w.WriteString("description", d.RecordIds.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) + " record(s)");
        w.WriteEndObject();
        w.WriteEndArray();
        EndEntry(w);
    }

    /// <summary>A party that receives data under a purpose the subject takes part in (R10), as an Organization.</summary>
    private static void WriteRecipient(Utf8JsonWriter w, string purpose, RecipientDef recipient)
    {
        StartEntry(w, "Organization", "recipient-" + FhirId(recipient.Key) + "-" + FhirId(purpose));
        w.WriteStartArray("extension");
        WriteStringExtension(w, "recipient-of", purpose);
        if (recipient.Receives is not null)
        {
            WriteStringExtension(w, "receives", recipient.Receives);
        }

        WriteStringExtension(w, "jurisdiction", recipient.Jurisdiction);
        WriteStringExtension(w, "contact", recipient.Contact);
        w.WriteEndArray();
        w.WriteStartArray("type");
        w.WriteStartObject();
        w.WriteString("text", recipient.Kind);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("name", recipient.Name);
        EndEntry(w);
    }

    /// <summary>A rights request of the subject's, as a Task: what was asked, when, by when it is due and where it stands.</summary>
    private static void WriteRightsRequest(Utf8JsonWriter w, OpenSubject subject, RightsRequestRow r)
    {
        StartEntry(w, "Task", FhirId(r.Id));
        w.WriteStartArray("identifier");
        WriteIdentifier(w, CordonFhir + "/rights-request", r.Id);
        w.WriteEndArray();
        w.WriteString("status", r.Status switch
        {
            RightsStatus.Completed => "completed",
            RightsStatus.Refused => "rejected",
            _ => "in-progress",
        });
        w.WriteString("intent", "order");
        w.WriteStartObject("code");
        WriteCoding(w, CordonFhir + "/rights-kind", r.Kind.ToKey(), null);
        w.WriteEndObject();
        w.WriteStartObject("for");
        w.WriteString("reference", PatientReference(subject));
        w.WriteEndObject();
        w.WriteString("authoredOn", r.CreatedAt);
        if (r.ClosedAt is { } closed)
        {
            w.WriteString("lastModified", closed);
        }

        w.WriteStartObject("restriction");
        w.WriteStartObject("period");
        w.WriteString("end", Day(r.DueOn));
        w.WriteEndObject();
        w.WriteEndObject();
        EndEntry(w);
    }

    /// <summary>Opens a Bundle entry and its resource of the type and id given; <see cref="EndEntry"/> closes both.</summary>
    private static void StartEntry(Utf8JsonWriter w, string resourceType, string id)
    {
        w.WriteStartObject();
        w.WriteStartObject("resource");
        w.WriteString("resourceType", resourceType);
        w.WriteString("id", id);
    }

    private static void EndEntry(Utf8JsonWriter w)
    {
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteIdentifier(Utf8JsonWriter w, string system, string value)
    {
        w.WriteStartObject();
        w.WriteString("system", system);
        w.WriteString("value", value);
        w.WriteEndObject();
    }

    private static void WriteStringExtension(Utf8JsonWriter w, string name, string value)
    {
        w.WriteStartObject();
        w.WriteString("url", CordonFhir + "/StructureDefinition/" + name);
        w.WriteString("valueString", value);
        w.WriteEndObject();
    }

    /// <summary>What <see cref="WriteAsync"/> would hold for the subject, counted without decrypting anything.</summary>
    public static async Task<ExportSummary> SummarizeAsync(Operation op, OpenSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(subject);
        int records = 0, restricted = 0;
        await foreach (var page in RecordPagesAsync(op, subject.Id, cancellationToken))
        {
            foreach (var row in page)
            {
                if (row.Restricted)
                {
                    restricted++;
                }
                else
                {
                    records++;
                }
            }
        }

        var history = await op.Store.GetHistoryAsync(op.Tenant.Id, subject.Id, cancellationToken);
        var disclosures = await DisclosuresAsync(op, subject.Id, cancellationToken);
        var requests = await RightsRequestsAsync(op, subject.Id, cancellationToken);
        return new ExportSummary(records, restricted, history.Count, disclosures.Count, requests.Count);
    }

    private static Task<IReadOnlyList<RightsRequestRow>> RightsRequestsAsync(Operation op, string subjectId, CancellationToken cancellationToken)
        => op.Store.ListRightsRequestsAsync(op.Tenant.Id, new RightsRequestQuery { SubjectId = subjectId, Limit = 1000 }, cancellationToken);

    /// <summary>Decrypts the subject's current records page by page; restricted ones are collected, not opened.</summary>
    private static async Task<int> ForEachRecordAsync(Operation op, OpenSubject subject, List<RecordRow> restricted, Func<RecordRow, bool> include, Func<RecordRow, byte[], Task> write, Action<int>? progress, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var page in RecordPagesAsync(op, subject.Id, cancellationToken))
        {
            foreach (var row in page)
            {
                if (!include(row))
                {
                    continue;
                }

                if (row.Restricted)
                {
                    restricted.Add(row);
                    continue;
                }

                var plain = RecordWriter.Open(op.Tenant, subject, row);
                await write(row, plain);
                count++;
            }

            progress?.Invoke(count + restricted.Count);
        }

        return count;
    }

    /// <summary>The subject's current records, a page at a time.</summary>
    private static async IAsyncEnumerable<IReadOnlyList<RecordRow>> RecordPagesAsync(Operation op, string subjectId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        (DateTimeOffset, string)? after = null;
        while (true)
        {
            var page = await op.Store.ListRecordsPageAsync(op.Tenant.Id, subjectId, after, Page, cancellationToken);
            yield return page;
            if (page.Count < Page)
            {
                yield break;
            }

            after = (page[^1].CreatedAt, page[^1].Id);
        }
    }

    private static async Task<List<Core.Audit.AuditEntry>> DisclosuresAsync(Operation op, string subjectId, CancellationToken cancellationToken)
    {
        var all = new List<Core.Audit.AuditEntry>();
        long? after = null;
        while (true)
        {
            var page = await op.Store.QueryAsync(op.Tenant.Id, new AuditQuery { SubjectId = subjectId, ActionPrefix = "disclosure.", After = after, Limit = 1000 }, cancellationToken);
            // What left, or was attempted on the subject's own behalf: the gate's requests (disclosure.create) are not
            // disclosures; its disclosure.send entries are, one per subject whose data went.
            all.AddRange(page.Where(e => e.Draft.Action != Sharing.DisclosureGate.Action));
            if (page.Count < 1000)
            {
                return all;
            }

            after = page[^1].Id;
        }
    }

    /// <summary>Who receives data under the purposes the subject takes part in (R10): the profile's recipients of each.</summary>
    private static void WriteRecipients(Utf8JsonWriter w, Profile profile, IReadOnlyList<ConsentEvent> history, Func<string, string?> fingerprint)
    {
        w.WriteStartArray("recipients");
        foreach (var (purpose, recipient) in RecipientsOf(profile, history, fingerprint))
        {
            w.WriteStartObject();
            w.WriteString("purpose", purpose);
            w.WriteString("recipient", recipient.Name);
            w.WriteString("kind", recipient.Kind);
            w.WriteString("jurisdiction", recipient.Jurisdiction);
            w.WriteString("contact", recipient.Contact);
            if (recipient.Receives is not null)
            {
                w.WriteString("receives", recipient.Receives);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    /// <summary>The recipients of each purpose the subject takes part in: consented, or needing no consent.</summary>
    private static IEnumerable<(string Purpose, RecipientDef Recipient)> RecipientsOf(Profile profile, IReadOnlyList<ConsentEvent> history, Func<string, string?> fingerprint)
    {
        var active = ConsentLedger.Current(history, fingerprint)
            .Where(c => c.Status is ConsentStatus.Granted or ConsentStatus.GrantedByGuardian)
            .Select(c => c.Purpose)
            .ToHashSet(StringComparer.Ordinal);
        foreach (var purpose in profile.Purposes.Where(p => p.Recipients.Count > 0 && (active.Contains(p.Key) || !p.NeedsConsent)))
        {
            foreach (var key in purpose.Recipients)
            {
                if (profile.Recipients.FirstOrDefault(r => r.Key == key) is { } recipient)
                {
                    yield return (purpose.Key, recipient);
                }
            }
        }
    }

    /// <summary>A <c>coding</c> array of one Coding.</summary>
    private static void WriteCoding(Utf8JsonWriter w, string system, string code, string? display)
    {
        w.WriteStartArray("coding");
        WriteCodingValue(w, system, code, display);
        w.WriteEndArray();
    }

    private static void WriteCodingValue(Utf8JsonWriter w, string system, string code, string? display)
    {
        w.WriteStartObject();
        w.WriteString("system", system);
        w.WriteString("code", code);
        if (display is not null)
        {
            w.WriteString("display", display);
        }

        w.WriteEndObject();
    }
}
