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

/// <summary>
/// One kind of data a purpose handles, in the words a person understands: a group of fields or a record type, by
/// its display name (<see cref="DisplayName"/>). <see cref="Collected"/> when the purpose collects any field of it, else it
/// only uses what was collected before; <see cref="Sensitive"/> when any of those fields is sensitive personal information.
/// </summary>
public sealed record NoticeData(BilingualText Name, bool Collected, bool Sensitive, IReadOnlyList<string> Tags);

/// <summary>A record type as the notice names it, with every field some purpose collects or uses (the technical annex).</summary>
public sealed record NoticeType(string Name, BilingualText DisplayName, string? Description, IReadOnlyList<NoticeTypeField> Fields, IReadOnlyList<NoticeEscalation> Escalations);

/// <summary>A field of the annex: its catalog entry, the name the patient page gives it, and each purpose that collects or uses it.</summary>
public sealed record NoticeTypeField(NoticeField Field, BilingualText DisplayName, IReadOnlyList<NoticeUse> Uses);

/// <summary>A purpose that collects (or only uses) a field.</summary>
public sealed record NoticeUse(string Purpose, string PurposeName, bool Collected);

/// <summary>A reason the level of a record of a type the purpose touches is raised (an HIV code makes it L5).</summary>
public sealed record NoticeEscalation(string Type, Level Level, IReadOnlyList<string> Tags, string Reason);

public sealed record NoticeRecipient(string Key, string Name, string Kind, string Jurisdiction, string Contact, string? Receives, string? Description)
{
    /// <summary>Controlled from abroad although in China (said in the notice only when so).</summary>
    public bool ForeignControlled { get; init; }

    /// <summary>Receives only de-identified information (said in the notice only when so).</summary>
    public bool Deidentified { get; init; }
}

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
    IReadOnlyList<NoticeRecipient> Recipients,
    IReadOnlyList<NoticeData> Data);

/// <summary>A record type kept for a period of its own, whichever purpose collected it.</summary>
public sealed record NoticeRetention(string Type, string? TypeDescription, RetentionPeriod Period, AfterRetention After, BilingualText TypeName);

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
        string afterRetention,
        int rightsDueWorkingDays,
        IReadOnlyList<NoticeType> types)
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
        RightsDueWorkingDays = rightsDueWorkingDays;
        Types = types;
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

    /// <summary>The working days within which a rights request is answered (the profile's setting).</summary>
    public int RightsDueWorkingDays { get; }

    /// <summary>
    /// The record types some purpose touches, in catalog order, each with those fields: the technical annex. The fields
    /// are those of <see cref="Purposes"/> arranged by type; the types' names are written beside them (<c>types</c> in
    /// the JSON), so all of it counts in <see cref="Version"/>.
    /// </summary>
    public IReadOnlyList<NoticeType> Types { get; }

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
            .Select(r => profile.Catalog.TryGetType(r.Type, out var t)
                ? new NoticeRetention(r.Type, t.Description, r.Period, r.After, DisplayNameOf(t))
                : new NoticeRetention(r.Type, null, r.Period, r.After, new BilingualText(r.Type, r.Type)))
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
            profile.Notice.AfterRetention,
            profile.Settings.RightsRequestDueWorkingDays,
            BuildTypes(types, purposes));
    }

    /// <summary>
    /// The name of a type's fields outside every group: its display name, else its description ("中文 / English"),
    /// else its name, so that a type declared without one still reads as something.
    /// </summary>
    internal static BilingualText DisplayNameOf(RecordTypeDef type)
        => type.Display is { } d ? new BilingualText(d.Zh, d.En)
            : type.Description is { } description ? NoticeText.Split(description)
            : new BilingualText(type.Name, type.Name);

    private static BilingualText DisplayNameOf(RecordTypeDef type, FieldDef field)
        => type.GroupOf(field) is { } group ? new BilingualText(group.Display.Zh, group.Display.En) : DisplayNameOf(type);

    private static List<NoticeType> BuildTypes(List<RecordTypeDef> types, List<NoticePurpose> purposes)
    {
        var result = new List<NoticeType>();
        foreach (var type in types)
        {
            var fields = new List<NoticeTypeField>();
            foreach (var field in type.Fields)
            {
                NoticeField? entry = null;
                var uses = new List<NoticeUse>();
                foreach (var p in purposes)
                {
                    foreach (var f in p.Fields)
                    {
                        if (f.Type == type.Name && f.Path == field.Path && f.When == field.When)
                        {
                            entry ??= f;
                            uses.Add(new NoticeUse(p.Key, p.Name, f.Collected));
                            break;
                        }
                    }
                }

                if (entry is not null)
                {
                    fields.Add(new NoticeTypeField(entry, DisplayNameOf(type, field), uses));
                }
            }

            if (fields.Count > 0)
            {
                var escalations = type.Escalations.Select(e => new NoticeEscalation(type.Name, e.Level, e.Tags.ToKeys(), e.Reason))
                    .DistinctBy(e => e.Reason).ToList();
                result.Add(new NoticeType(type.Name, DisplayNameOf(type), type.Description, fields, escalations));
            }
        }

        return result;
    }

    private static NoticePurpose BuildPurpose(PurposeDef p, List<RecordTypeDef> types, Dictionary<string, RecipientDef> recipients)
    {
        var fields = new List<NoticeField>();
        var data = new List<DataDraft>();
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
                Note(data, DisplayNameOf(type, field), Order(types, type, field), isCollected, field.Tags);
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

                // The escalation makes the data named by its code path sensitive, when the purpose touches that path.
                if (type.Fields.FirstOrDefault(f => f.Path == e.Path && ((collected?.Contains(f.Path) ?? false) || (read?.Contains(f.Path) ?? false))) is { } codeField)
                {
                    Note(data, DisplayNameOf(type, codeField), Order(types, type, codeField), collected: false, e.Tags, e.Level == Level.L5);
                }
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
            [.. p.Recipients.Select(k => recipients[k]).Select(r => new NoticeRecipient(r.Key, r.Name, r.Kind, r.Jurisdiction, r.Contact, r.Receives, r.Description) { ForeignControlled = r.ForeignControlled, Deidentified = r.Deidentify })],
            [.. data.OrderBy(d => d.Order).Select(d => new NoticeData(d.Name, d.Collected, d.Tags != SensitiveTags.None || d.Highest, d.Tags.ToKeys()))]);
    }

    /// <summary>Where a field's name goes in a purpose's list: by type, then its groups in the profile's order, then the type's own name.</summary>
    private static int Order(List<RecordTypeDef> types, RecordTypeDef type, FieldDef field)
    {
        var group = type.GroupOf(field);
        return (types.IndexOf(type) * 1024) + (group is null ? 1023 : Math.Min(1022, IndexOf(type.Groups, group)));
    }

    private static int IndexOf(IReadOnlyList<FieldGroup> groups, FieldGroup group)
    {
        for (var i = 0; i < groups.Count; i++)
        {
            if (ReferenceEquals(groups[i], group))
            {
                return i;
            }
        }

        return -1;
    }

    private static void Note(List<DataDraft> data, BilingualText name, int order, bool collected, SensitiveTags tags, bool highest = false)
    {
        var item = data.Find(d => d.Name == name);
        if (item is null)
        {
            data.Add(new DataDraft(name) { Order = order, Collected = collected, Tags = tags, Highest = highest });
            return;
        }

        item.Collected |= collected;
        item.Tags |= tags;
        item.Highest |= highest;
    }

    private sealed class DataDraft(BilingualText name)
    {
        public BilingualText Name { get; } = name;

        public int Order { get; init; }

        public bool Collected { get; set; }

        public SensitiveTags Tags { get; set; }

        /// <summary>Raised to level 5 by an escalation (an HIV code): sensitive whatever its tags.</summary>
        public bool Highest { get; set; }
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

    /// <summary>The patient's notice as Markdown, in one language.</summary>
    public string ToMarkdown(NoticeLanguage language = NoticeLanguage.Chinese) => NoticeMarkdown.Render(this, language);

    /// <summary>
    /// The patient's notice as a complete, standalone HTML page in one language: data in plain categories per purpose,
    /// no field paths, no rule ids, laid out for a phone. All profile text is HTML-encoded.
    /// </summary>
    public string ToHtml(NoticeLanguage language = NoticeLanguage.Chinese, NoticeLinks? links = null) => NoticeHtml.Render(this, language, links);

    /// <summary>The technical annex for the officer and regulators: every field each purpose collects or uses, by record type, bilingual.</summary>
    public string ToAnnexHtml(NoticeLinks? links = null) => NoticeAnnexHtml.Render(this, links);

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
            WriteName(w, "typeName", r.TypeName);
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
        w.WriteNumber("rightsDueWorkingDays", RightsDueWorkingDays);

        w.WriteStartArray("types");
        foreach (var t in Types)
        {
            w.WriteStartObject();
            w.WriteString("name", t.Name);
            WriteName(w, "displayName", t.DisplayName);
            w.WriteEndObject();
        }

        w.WriteEndArray();
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

        w.WriteStartArray("data");
        foreach (var d in p.Data)
        {
            w.WriteStartObject();
            WriteName(w, "name", d.Name);
            w.WriteBoolean("collected", d.Collected);
            w.WriteBoolean("sensitive", d.Sensitive);
            WriteStrings(w, "tags", d.Tags);
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

            // Written only when true, so that a notice without them keeps its version.
            if (r.ForeignControlled)
            {
                w.WriteBoolean("foreignControlled", true);
            }

            if (r.Deidentified)
            {
                w.WriteBoolean("deidentified", true);
            }

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
