using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Cordon.Core.Catalog;
using Cordon.Core.Profiles;

namespace Cordon.Core.Notice;

public sealed record NoticeContact(string Name, string Email, string? Phone);

public sealed record NoticeOperator(
    string Name,
    string? NameEn,
    OperatorType Type,
    string? Licence,
    string Address,
    string Phone,
    string Email,
    NoticeContact Dpo,
    string StorageRegion);

/// <summary>One row of a purpose's data table: a declared field the purpose collects or only uses.</summary>
public sealed record NoticeField(
    string Type,
    string Path,
    FieldCondition? When,
    DataCategory Category,
    Level Level,
    IReadOnlyList<string> Tags,
    string? Description,
    bool Collected);

/// <summary>A reason the level of a record of a type the purpose touches is raised (an HIV code makes it L5).</summary>
public sealed record NoticeEscalation(string Type, Level Level, IReadOnlyList<string> Tags, string Reason);

public sealed record NoticeRecipient(string Key, string Name, string Kind, string Jurisdiction, string Contact, string? Receives, string? Description);

public sealed record NoticePurpose(
    string Key,
    string Name,
    string? NameEn,
    string Description,
    LegalBasis LegalBasis,
    ConsentRequirement Consent,
    bool Necessary,
    string? Service,
    bool Sensitive,
    IReadOnlyList<string> SensitiveTags,
    string? Necessity,
    string? Impact,
    string Method,
    RetentionPeriod Retention,
    AfterRetention AfterRetention,
    IReadOnlyList<NoticeField> Fields,
    IReadOnlyList<NoticeEscalation> Escalations,
    IReadOnlyList<NoticeRecipient> Recipients);

/// <summary>A record type kept for a period of its own, whichever purpose collected it.</summary>
public sealed record NoticeRetention(string Type, string? TypeDescription, RetentionPeriod Period, AfterRetention After);

public sealed record NoticeRight(string Right, string How);

/// <summary>
/// The privacy notice of a profile (PIPL Art. 17, 30; NDSMR Art. 21; R09): who the operator is and how to
/// reach them and the officer, where data is stored, each purpose with its legal basis, consent, the data it
/// collects and uses, sensitive data with its necessity and impact, retention, recipients, and how to exercise
/// every right. <see cref="Version"/> is a hash of all of that, so it changes exactly when the notice does
/// (consents given under an older version can then be asked for again, R04).
/// </summary>
public sealed class PrivacyNotice
{
    private static readonly JsonWriterOptions CanonicalOptions = new()
    {
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
        Indented = false,
    };

    private PrivacyNotice(
        string title,
        string intro,
        string? effective,
        NoticeOperator @operator,
        IReadOnlyList<NoticePurpose> purposes,
        IReadOnlyList<NoticeRetention> retentionRules,
        IReadOnlyList<NoticeRight> rights,
        string childPolicy,
        string afterRetention)
    {
        Title = title;
        Intro = intro;
        Effective = effective;
        Operator = @operator;
        Purposes = purposes;
        RetentionRules = retentionRules;
        Rights = rights;
        ChildPolicy = childPolicy;
        AfterRetention = afterRetention;
        Version = ComputeVersion();
    }

    /// <summary>First 16 lower-case hex characters of the SHA-256 of the canonical JSON of everything else in the notice.</summary>
    public string Version { get; }

    public string Title { get; }

    public string Intro { get; }

    public string? Effective { get; }

    public NoticeOperator Operator { get; }

    public IReadOnlyList<NoticePurpose> Purposes { get; }

    public IReadOnlyList<NoticeRetention> RetentionRules { get; }

    public IReadOnlyList<NoticeRight> Rights { get; }

    public string ChildPolicy { get; }

    public string AfterRetention { get; }

    /// <summary>How to complain (the <c>complaint</c> right's channel).</summary>
    public string? Complaint => Rights.FirstOrDefault(r => r.Right == "complaint")?.How;

    public static PrivacyNotice Build(Profile profile)
    {
        Guard.NotNull(profile);
        var o = profile.Operator;
        var types = profile.Catalog.Types.Values.OrderBy(t => t.Line).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
        var recipients = profile.Recipients.ToDictionary(r => r.Key, StringComparer.Ordinal);

        var purposes = profile.Purposes.Select(p => BuildPurpose(p, types, recipients)).ToList();
        var retention = profile.RetentionRules
            .Select(r => new NoticeRetention(r.Type, profile.Catalog.TryGetType(r.Type, out var t) ? t.Description : null, r.Period, r.After))
            .ToList();

        return new PrivacyNotice(
            profile.Notice.Title,
            profile.Notice.Intro,
            profile.Notice.Effective,
            new NoticeOperator(o.Name, o.NameEn, o.Type, o.Licence, o.Address, o.Phone, o.Email, new NoticeContact(o.DpoName, o.DpoEmail, o.DpoPhone), o.StorageRegion),
            purposes,
            retention,
            [.. profile.Notice.Rights.Select(r => new NoticeRight(r.Right, r.How))],
            profile.Notice.ChildPolicy,
            profile.Notice.AfterRetention);
    }

    private static NoticePurpose BuildPurpose(PurposeDef p, List<RecordTypeDef> types, Dictionary<string, RecipientDef> recipients)
    {
        var fields = new List<NoticeField>();
        var escalations = new List<NoticeEscalation>();
        var tags = SensitiveTags.None;
        var sensitiveEscalation = false;
        foreach (var type in types)
        {
            p.Collect.TryGetValue(type.Name, out var collected);
            p.Read.TryGetValue(type.Name, out var read);
            var touched = false;
            foreach (var field in type.Fields)
            {
                var isCollected = collected?.Contains(field.Path) ?? false;
                if (!isCollected && !(read?.Contains(field.Path) ?? false))
                {
                    continue;
                }

                touched = true;
                tags |= field.Tags;
                fields.Add(new NoticeField(type.Name, field.Path, field.When, field.Category, field.Level, field.Tags.ToKeys(), field.Description, isCollected));
            }

            if (!touched)
            {
                continue;
            }

            foreach (var e in type.Escalations)
            {
                if (!escalations.Exists(x => x.Type == type.Name && x.Reason == e.Reason))
                {
                    escalations.Add(new NoticeEscalation(type.Name, e.Level, e.Tags.ToKeys(), e.Reason));
                }

                tags |= e.Tags;
                sensitiveEscalation |= e.Level == Level.L5;
            }
        }

        return new NoticePurpose(
            p.Key,
            p.Name,
            p.NameEn,
            p.Description,
            p.LegalBasis,
            p.Consent,
            p.Necessary,
            p.Service,
            tags != SensitiveTags.None || sensitiveEscalation,
            tags.ToKeys(),
            p.Notice.Necessity,
            p.Notice.Impact,
            p.Notice.Method,
            p.Retention,
            p.AfterRetention,
            fields,
            escalations,
            [.. p.Recipients.Select(k => recipients[k]).Select(r => new NoticeRecipient(r.Key, r.Name, r.Kind, r.Jurisdiction, r.Contact, r.Receives, r.Description))]);
    }

    /// <summary>The notice as JSON (camelCase): what <c>GET /v1/privacy-notice</c> returns.</summary>
    public string ToJson(bool indented = false)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, CanonicalOptions with { Indented = indented }))
        {
            writer.WriteStartObject();
            writer.WriteString("version", Version);
            WriteContent(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The notice as Markdown, bilingual.</summary>
    public string ToMarkdown() => NoticeMarkdown.Render(this);

    /// <summary>The notice as a complete, standalone HTML page in Chinese with English alongside; all profile text is HTML-encoded.</summary>
    public string ToHtml() => NoticeHtml.Render(this);

    private string ComputeVersion()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, CanonicalOptions))
        {
            writer.WriteStartObject();
            WriteContent(writer);
            writer.WriteEndObject();
        }

        var hash = SHA256.HashData(buffer.WrittenSpan);
        return Convert.ToHexStringLower(hash)[..16];
    }

    private void WriteContent(Utf8JsonWriter w)
    {
        w.WriteString("title", Title);
        w.WriteString("intro", Intro);
        w.WriteString("effective", Effective);

        var o = Operator;
        w.WriteStartObject("operator");
        w.WriteString("name", o.Name);
        w.WriteString("nameEn", o.NameEn);
        w.WriteString("type", o.Type.ToKey());
        WriteName(w, "typeName", NoticeTerms.OperatorType(o.Type));
        w.WriteString("licence", o.Licence);
        w.WriteString("address", o.Address);
        w.WriteString("phone", o.Phone);
        w.WriteString("email", o.Email);
        w.WriteString("storageRegion", o.StorageRegion);
        w.WriteStartObject("dpo");
        w.WriteString("name", o.Dpo.Name);
        w.WriteString("email", o.Dpo.Email);
        w.WriteString("phone", o.Dpo.Phone);
        w.WriteEndObject();
        w.WriteEndObject();

        w.WriteStartArray("purposes");
        foreach (var p in Purposes)
        {
            WritePurpose(w, p);
        }

        w.WriteEndArray();

        w.WriteStartArray("retentionRules");
        foreach (var r in RetentionRules)
        {
            w.WriteStartObject();
            w.WriteString("type", r.Type);
            w.WriteString("typeDescription", r.TypeDescription);
            w.WriteString("period", r.Period.ToString());
            WriteName(w, "periodText", NoticeTerms.Period(r.Period));
            w.WriteString("after", r.After.ToKey());
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("rights");
        foreach (var r in Rights)
        {
            w.WriteStartObject();
            w.WriteString("right", r.Right);
            WriteName(w, "name", NoticeTerms.Right(r.Right));
            w.WriteString("how", r.How);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteString("childPolicy", ChildPolicy);
        w.WriteString("afterRetention", AfterRetention);
        w.WriteString("complaint", Complaint);
    }

    private static void WritePurpose(Utf8JsonWriter w, NoticePurpose p)
    {
        w.WriteStartObject();
        w.WriteString("key", p.Key);
        w.WriteString("name", p.Name);
        w.WriteString("nameEn", p.NameEn);
        w.WriteString("description", p.Description);
        w.WriteString("legalBasis", p.LegalBasis.ToKey());
        WriteName(w, "legalBasisName", NoticeTerms.LegalBasis(p.LegalBasis));
        w.WriteString("consent", p.Consent.ToKey());
        WriteName(w, "consentName", NoticeTerms.Consent(p.Consent));
        w.WriteBoolean("necessary", p.Necessary);
        w.WriteString("service", p.Service);
        w.WriteBoolean("sensitive", p.Sensitive);
        WriteStrings(w, "sensitiveTags", p.SensitiveTags);
        w.WriteString("necessity", p.Necessity);
        w.WriteString("impact", p.Impact);
        w.WriteString("method", p.Method);
        w.WriteString("retention", p.Retention.ToString());
        WriteName(w, "retentionText", NoticeTerms.Period(p.Retention));
        w.WriteString("afterRetention", p.AfterRetention.ToKey());

        w.WriteStartArray("fields");
        foreach (var f in p.Fields)
        {
            w.WriteStartObject();
            w.WriteString("type", f.Type);
            w.WriteString("path", f.Path);
            if (f.When is { } when)
            {
                w.WriteStartObject("when");
                w.WriteString(when.Sibling, when.Value);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("when");
            }

            w.WriteString("category", f.Category.ToKey());
            WriteName(w, "categoryName", NoticeTerms.Category(f.Category));
            w.WriteString("level", f.Level.ToKey());
            WriteStrings(w, "tags", f.Tags);
            w.WriteString("description", f.Description);
            w.WriteBoolean("collected", f.Collected);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("escalations");
        foreach (var e in p.Escalations)
        {
            w.WriteStartObject();
            w.WriteString("type", e.Type);
            w.WriteString("level", e.Level.ToKey());
            WriteStrings(w, "tags", e.Tags);
            w.WriteString("reason", e.Reason);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("recipients");
        foreach (var r in p.Recipients)
        {
            w.WriteStartObject();
            w.WriteString("key", r.Key);
            w.WriteString("name", r.Name);
            w.WriteString("kind", r.Kind);
            WriteName(w, "kindName", NoticeTerms.RecipientKind(r.Kind));
            w.WriteString("jurisdiction", r.Jurisdiction);
            w.WriteString("contact", r.Contact);
            w.WriteString("receives", r.Receives);
            w.WriteString("description", r.Description);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteName(Utf8JsonWriter w, string property, BilingualText text)
    {
        w.WriteStartObject(property);
        w.WriteString("zh", text.Zh);
        w.WriteString("en", text.En);
        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string property, IReadOnlyList<string> values)
    {
        w.WriteStartArray(property);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }
}
