using System.Collections.Frozen;
using System.Globalization;
using Cordon.Core.Access;
using Cordon.Core.Catalog;
using Cordon.Core.Rules;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cordon.Core.Profiles;

/// <summary>
/// Loads a compliance profile from YAML text. Strict: unknown keys, wrong node kinds and bad values are
/// errors; every error carries the file, line and column and, where a compliance rule decides, the rule id.
/// All errors are collected, in reading order. No I/O: the caller reads the file.
/// </summary>
public static class ProfileLoader
{
    /// <summary>The value of the <c>schema</c> key this loader reads.</summary>
    public const string Schema = "cordon/profile@1";

    private static readonly string[] TopKeys = ["schema", "operator", "settings", "care", "auditRetentionDays", "catalog", "purposes", "masking", "recipients", "retention", "notice"];
    private static readonly string[] CareKeys = ["diagnosisCodeSystems", "drugCodeSystems", "controlledDrugs"];
    private static readonly string[] ControlledDrugKeys = ["class", "system", "codes", "substances", "source"];
    private static readonly string[] OperatorKeys = ["name", "nameEn", "type", "licence", "address", "phone", "email", "dpo", "storageRegion", "cryptoSuite", "publicUrl"];
    private static readonly string[] DpoKeys = ["name", "email", "phone"];
    private static readonly string[] SettingsKeys = ["guardianConsentBelowAge", "paediatricPrescriptionBelowAge", "rightsRequestDueWorkingDays", "minimumPracticeYears", "consentReaskAfterDays", "crossBorderExemptBelow", "crossBorderAssessmentAt", "crossBorderSensitiveAssessmentAt", "minimumK"];
    private static readonly string[] TypeKeys = ["kind", "description", "display", "groups", "clinical", "medicalRecord", "importantData", "retentionClass", "fields", "escalations"];
    private static readonly string[] DisplayKeys = ["zh", "en"];
    private static readonly string[] GroupKeys = ["display", "paths"];
    private static readonly string[] FieldKeys = ["path", "category", "level", "tags", "format", "index", "when", "description"];
    private static readonly string[] EscalationKeys = ["path", "codes", "pattern", "level", "tags", "reason"];
    private static readonly string[] PurposeKeys = ["name", "nameEn", "description", "legalBasis", "consent", "necessary", "service", "roles", "collect", "read", "retention", "afterRetention", "restrictedAccess", "recipients", "notice"];
    private static readonly string[] RoleKeys = ["write", "read"];
    private static readonly string[] PurposeNoticeKeys = ["method", "necessity", "impact"];
    private static readonly string[] RecipientKeys = ["name", "kind", "jurisdiction", "contact", "description", "receives", "foreignControlled", "method", "endpoint", "tlsPin", "publicKey", "fields", "deidentify"];
    private static readonly string[] RetentionKeys = ["type", "period", "after"];
    private static readonly string[] NoticeKeys = ["title", "intro", "rights", "childPolicy", "afterRetention", "effective"];

    /// <summary>Characters a profile may have (the built-in internet hospital has about 110,000).</summary>
    public const int MaxLength = 4 * 1024 * 1024;

    public static ProfileLoadResult Load(string yamlText, string fileName)
    {
        Guard.NotNull(yamlText);
        Guard.NotEmpty(fileName);
        var errors = new ProfileErrors(fileName);

        if (yamlText.Length > MaxLength)
        {
            errors.Add(Mark.Empty, string.Create(CultureInfo.InvariantCulture, $"the profile is {yamlText.Length:N0} characters; a profile is at most {MaxLength:N0}"));
            return ProfileLoadResult.Failure(errors.Sorted());
        }

        if (!YamlText.TryLoad(yamlText, errors, "profile", out var root))
        {
            return ProfileLoadResult.Failure(errors.Sorted());
        }

        var reader = new Reader(errors);
        var draft = reader.Read(root);
        ProfileRules.Check(draft, errors);
        if (errors.Count > 0)
        {
            return ProfileLoadResult.Failure(errors.Sorted());
        }

        return ProfileLoadResult.Success(Build(draft, fileName, yamlText));
    }

    private static Profile Build(ProfileDraft d, string fileName, string text)
    {
        var o = d.Operator;
        var catalog = new DataCatalog(d.Types.Values.Select(t => t.Build()));
        return new Profile
        {
            FileName = fileName,
            SourceText = text,
            Operator = new OperatorInfo
            {
                Name = o.Name!,
                NameEn = o.NameEn,
                Type = o.Type!.Value,
                Licence = o.Licence,
                Address = o.Address!,
                Phone = o.Phone!,
                Email = o.Email!,
                DpoName = o.DpoName!,
                DpoEmail = o.DpoEmail!,
                DpoPhone = o.DpoPhone,
                PublicUrl = o.PublicUrl,
                StorageRegion = o.StorageRegion!,
                CryptoSuite = o.CryptoSuite,
            },
            Settings = d.Settings,
            Care = d.Care,
            Catalog = catalog,
            Purposes = [.. d.Purposes.Select(BuildPurpose)],
            Masking = [.. d.Masking],
            Recipients = [.. d.Recipients.Values.Select(r => r.Definition)],
            RetentionRules = [.. d.Retention.Select(r => r.Rule)],
            AuditRetentionDays = d.AuditRetentionDays ?? LegalMinimums.AuditLogDays,
            Notice = new NoticeTexts
            {
                Title = d.Notice.Title!,
                Intro = d.Notice.Intro!,
                Rights = [.. d.Notice.Rights],
                ChildPolicy = d.Notice.ChildPolicy!,
                AfterRetention = d.Notice.AfterRetention!,
                Effective = d.Notice.Effective,
            },
        };
    }

    private static PurposeDef BuildPurpose(PurposeDraft p)
    {
        var collect = Selections(p.Collect);
        return new PurposeDef
        {
            Key = p.Key,
            Name = p.Name!,
            NameEn = p.NameEn,
            Description = p.Description!,
            LegalBasis = p.LegalBasis!.Value,
            Consent = p.Consent!.Value,
            Necessary = p.Necessary,
            Service = p.Service,
            WriteRoles = p.WriteRoles.ToFrozenSet(),
            ReadRoles = p.ReadRoles.ToFrozenSet(),
            Collect = collect,
            Read = p.Read is null ? collect : Selections(p.Read),
            Retention = p.Retention!.Value,
            AfterRetention = p.AfterRetention,
            RestrictedAccess = p.RestrictedAccess,
            Notice = new PurposeNotice { Method = p.Method!, Necessity = p.Necessity, Impact = p.Impact },
            Recipients = [.. p.Recipients.Select(r => r.Key)],
            Line = (int)p.KeyNode.Start.Line,
        };
    }

    private static IReadOnlyDictionary<string, IReadOnlySet<string>> Selections(List<PathSelection> selections)
    {
        // Insertion order is kept (a plain Dictionary without removals), so the notice lists types as the profile does.
        var result = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var s in selections)
        {
            result[s.Type] = s.Paths.ToFrozenSet(StringComparer.Ordinal);
        }

        return result;
    }

    /// <summary>Reads the YAML nodes into a <see cref="ProfileDraft"/>, reporting what cannot be read.</summary>
    private sealed class Reader(ProfileErrors errors)
    {
        private readonly ProfileDraft _draft = new();

        public ProfileDraft Read(YamlNode root)
        {
            var top = YamlMap.Open(errors, root, root, YamlMap.TopLevel, TopKeys);
            if (top is null)
            {
                return _draft;
            }

            var schema = top.Text("schema", required: true);
            if (schema is not null && schema != Schema)
            {
                errors.Add(top.At("schema"), $"schema '{schema}' is not known; this version reads '{Schema}'");
            }

            ReadOperator(top);
            ReadSettings(top.Map("settings", SettingsKeys));
            ReadCare(top.Map("care", CareKeys));
            if (top.Value("auditRetentionDays") is { } audit)
            {
                _draft.AuditRetentionNode = audit;
                _draft.AuditRetentionDays = top.Int("auditRetentionDays");
            }

            ReadCatalog(top.Map("catalog", required: true));
            ReadRecipients(top.Map("recipients"));
            ReadPurposes(top.Map("purposes", required: true));
            ReadMasking(top.Map("masking"));
            ReadRetention(top);
            ReadNotice(top.Map("notice", NoticeKeys, required: true, rule: "R09", why: "the privacy notice texts are required (PIPL Art. 17)"));
            return _draft;
        }

        private void ReadOperator(YamlMap top)
        {
            const string contact = "the notice must give the operator's name and contact (PIPL Art. 17)";
            var map = top.Map("operator", OperatorKeys, required: true, rule: "R09", why: contact);
            if (map is null)
            {
                return;
            }

            var o = _draft.Operator;
            o.Node = map.Anchor;
            o.Name = map.Text("name", required: true, rule: "R09", why: contact);
            o.NameEn = map.Text("nameEn");
            o.Licence = map.Text("licence");
            o.Address = map.Text("address", required: true, rule: "R09", why: contact);
            o.Phone = map.Text("phone", required: true, rule: "R09", why: contact);
            o.Email = map.Text("email", required: true, rule: "R09", why: contact);

            var publicUrl = map.Text("publicUrl");
            if (publicUrl is not null)
            {
                if (Uri.TryCreate(publicUrl, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0)
                {
                    o.PublicUrl = publicUrl.TrimEnd('/');
                }
                else
                {
                    errors.Add(map.At("publicUrl"), $"publicUrl '{publicUrl}' is the address patients reach this service at: an absolute http(s) URL without query, fragment or user, such as https://cordon.example-hospital.cn");
                }
            }

            o.TypeNode = map.At("type");
            var type = map.Text("type", required: true);
            if (type is not null)
            {
                if (ProfileNames.TryParseOperatorType(type, out var t))
                {
                    o.Type = t;
                }
                else
                {
                    errors.Add(o.TypeNode, $"operator type '{type}' is not known (known: {ProfileNames.OperatorTypeKeys})");
                }
            }

            var dpo = map.Map("dpo", DpoKeys, required: true, rule: "R09", why: "the notice must give the personal-information protection officer's contact (PIPL Art. 52)");
            if (dpo is not null)
            {
                const string dpoWhy = "the officer's name and contact are published (PIPL Art. 52)";
                o.DpoName = dpo.Text("name", required: true, rule: "R09", why: dpoWhy);
                o.DpoEmail = dpo.Text("email", required: true, rule: "R09", why: dpoWhy);
                o.DpoPhone = dpo.Text("phone");
            }

            o.StorageRegionNode = map.At("storageRegion");
            var region = map.Text("storageRegion", required: true);
            if (region is not null)
            {
                if (region.Length == 2 && region.All(char.IsAsciiLetterUpper))
                {
                    o.StorageRegion = region;
                }
                else
                {
                    errors.Add(o.StorageRegionNode, $"storageRegion '{region}' is an ISO 3166 two-letter region such as CN");
                }
            }

            var suite = map.Text("cryptoSuite");
            if (suite is not null)
            {
                if (ProfileNames.TryParseCryptoSuite(suite, out var s))
                {
                    o.CryptoSuite = s;
                }
                else
                {
                    errors.Add(map.At("cryptoSuite"), $"crypto suite '{suite}' is not known (known: {ProfileNames.CryptoSuiteKeys})");
                }
            }
        }

        private void ReadSettings(YamlMap? map)
        {
            if (map is null)
            {
                return;
            }

            var defaults = new ProfileSettings();
            _draft.Settings = new ProfileSettings
            {
                GuardianConsentBelowAge = Setting(map, "guardianConsentBelowAge", 14, 18, defaults.GuardianConsentBelowAge, "R03", "PIPL Art. 31 sets 14; an operator may protect older children, never fewer"),
                PaediatricPrescriptionBelowAge = Setting(map, "paediatricPrescriptionBelowAge", 6, 18, defaults.PaediatricPrescriptionBelowAge, "R57", "the 2018 measures set 6; an operator may ask for more, never less"),
                RightsRequestDueWorkingDays = Setting(map, "rightsRequestDueWorkingDays", 1, 15, defaults.RightsRequestDueWorkingDays, "R22", "the regulators' benchmark is at most 15 working days"),
                MinimumPracticeYears = Setting(map, "minimumPracticeYears", 3, 60, defaults.MinimumPracticeYears, "R53", "internet diagnosis needs at least 3 years of independent practice"),
                ConsentReaskAfterDays = Setting(map, "consentReaskAfterDays", 1, 3650, defaults.ConsentReaskAfterDays, "R05", "a refused consent may not be asked for again frequently"),
                CrossBorderExemptBelow = Setting(map, "crossBorderExemptBelow", 1, defaults.CrossBorderExemptBelow, defaults.CrossBorderExemptBelow, "R34", "the 2024 provisions exempt fewer than 100,000 individuals; an operator may be stricter, never looser"),
                CrossBorderAssessmentAt = Setting(map, "crossBorderAssessmentAt", 1, defaults.CrossBorderAssessmentAt, defaults.CrossBorderAssessmentAt, "R36", "the 2024 provisions require a security assessment from 1,000,000 individuals; an operator may be stricter, never looser"),
                CrossBorderSensitiveAssessmentAt = Setting(map, "crossBorderSensitiveAssessmentAt", 1, defaults.CrossBorderSensitiveAssessmentAt, defaults.CrossBorderSensitiveAssessmentAt, "R36", "the 2024 provisions require a security assessment from 10,000 individuals' sensitive data; an operator may be stricter, never looser"),
                MinimumK = Setting(map, "minimumK", 2, 1000, defaults.MinimumK, "R10", "a de-identified cohort in which one person stands alone identifies that person"),
            };
        }

        /// <summary>
        /// The care section: code systems a diagnosis is compared in (R52) and drugs named in, and controlled drugs added to
        /// the shipped list (R55, R56) — never removed from it.
        /// </summary>
        private void ReadCare(YamlMap? map)
        {
            if (map is null)
            {
                return;
            }

            var diagnosis = Uris(map, "diagnosisCodeSystems");
            var drugSystems = Uris(map, "drugCodeSystems");
            var added = new List<Care.ControlledDrug>();
            foreach (var item in map.List("controlledDrugs") ?? [])
            {
                var entry = YamlMap.Open(errors, item, item, "controlled drug", ControlledDrugKeys);
                if (entry is null)
                {
                    continue;
                }

                var klass = entry.Text("class", required: true, rule: "R55", why: "a controlled drug names its class");
                var system = entry.Text("system") ?? Care.DrugClasses.Atc;
                var substances = entry.Text("substances", required: true);
                var source = entry.Text("source", required: true, rule: "R55", why: "each entry of the drug catalog names its source (the catalogue or announcement that lists it)");
                var codes = new List<string>();
                foreach (var code in entry.List("codes", required: true) ?? [])
                {
                    if (YamlScalars.Text(errors, code, "controlled drug: a code") is { Length: > 0 } text)
                    {
                        codes.Add(text.Trim().ToUpperInvariant());
                    }
                }

                Care.DrugClass drugClass = default;
                if (klass is not null && !Care.DrugClasses.TryParse(klass, out drugClass))
                {
                    errors.Add(entry.At("class"), $"controlled drug: class '{klass}' is not known (known: narcotic, psychotropic, medical-toxic, radioactive, precursor-chemical, vaccine, blood-product)", "R55");
                    continue;
                }

                if (klass is null || substances is null || source is null || codes.Count == 0)
                {
                    continue;
                }

                if (!system.Equals(Care.DrugClasses.Atc, StringComparison.Ordinal) && !drugSystems.Contains(system, StringComparer.Ordinal))
                {
                    errors.Add(entry.At("system"), $"controlled drug: system '{system}' is not one of care.drugCodeSystems; list it there so prescriptions may name drugs in it", "R55");
                    continue;
                }

                added.Add(new Care.ControlledDrug(drugClass, system, codes, substances, source));
            }

            _draft.Care = new Care.CareSettings
            {
                DiagnosisCodeSystems = diagnosis.Count > 0 ? diagnosis.ToHashSet(StringComparer.Ordinal) : Care.CareSettings.DefaultDiagnosisCodeSystems,
                Drugs = added.Count == 0 && drugSystems.Count == 0 ? Care.DrugClasses.Default : Care.DrugClasses.With(added, drugSystems),
            };
        }

        private List<string> Uris(YamlMap map, string key)
        {
            var result = new List<string>();
            foreach (var node in map.List(key) ?? [])
            {
                if (YamlScalars.Text(errors, node, $"care: '{key}'") is not { } text)
                {
                    continue;
                }

                if (Uri.TryCreate(text, UriKind.Absolute, out _))
                {
                    result.Add(text);
                }
                else
                {
                    errors.Add(node, $"care: '{key}' lists code system URIs such as {Care.CareSettings.Icd10}; '{text}' is not one");
                }
            }

            return result;
        }

        private int Setting(YamlMap map, string key, int min, int max, int fallback, string rule, string why)
        {
            var value = map.Int(key);
            if (value is null)
            {
                return fallback;
            }

            if (value < min || value > max)
            {
                errors.Add(map.At(key), string.Create(CultureInfo.InvariantCulture, $"settings: '{key}' is {min} to {max}, not {value}; {why} (default {fallback})"), rule);
                return fallback;
            }

            return value.Value;
        }

        private void ReadCatalog(YamlMap? catalog)
        {
            if (catalog is null)
            {
                return;
            }

            foreach (var (key, value) in catalog.Entries)
            {
                var name = key.Value!;
                if (!IsTypeName(name))
                {
                    errors.Add(key, $"type name '{name}' is a letter followed by letters and digits (FHIR resource names such as Patient)");
                    continue;
                }

                var type = new TypeDraft { Name = name, KeyNode = key };
                _draft.Types[name] = type;
                var map = YamlMap.Open(errors, value, key, $"type '{name}'", TypeKeys);
                if (map is null)
                {
                    continue;
                }

                var kind = map.Text("kind", required: true);
                if (kind is "fhir" or "declared")
                {
                    type.Kind = kind == "fhir" ? RecordKind.Fhir : RecordKind.Declared;
                }
                else if (kind is not null)
                {
                    errors.Add(map.At("kind"), $"type '{name}': kind '{kind}' is fhir or declared");
                }

                type.Description = map.Text("description");
                type.Clinical = map.Bool("clinical") ?? false;
                type.MedicalRecord = map.Bool("medicalRecord") ?? false;
                type.ImportantData = map.Bool("importantData") ?? false;
                var retentionClass = map.Text("retentionClass");
                if (retentionClass is not null)
                {
                    if (ClassificationNames.TryParseRetentionClass(retentionClass, out var rc))
                    {
                        type.RetentionClass = rc;
                    }
                    else
                    {
                        errors.Add(map.At("retentionClass"), $"type '{name}': retention class '{retentionClass}' is not known (known: {Keys(Enum.GetValues<RetentionClass>().Select(r => r.ToKey()))})");
                    }
                }

                var fields = map.List("fields", required: true);
                var seen = new Dictionary<(string Path, FieldCondition? When), int>();
                foreach (var item in fields ?? [])
                {
                    ReadField(type, item, seen);
                }

                foreach (var item in map.List("escalations") ?? [])
                {
                    ReadEscalation(type, item);
                }

                if (map.Value("display") is { } display)
                {
                    type.Display = ReadDisplay(display, map.KeyNode("display")!, $"catalog.{name}.display");
                }

                ReadGroups(type, map);
            }
        }

        /// <summary>A <c>{ zh: …, en: … }</c> name; both languages are required and neither may be empty.</summary>
        private DisplayName? ReadDisplay(YamlNode node, YamlNode anchor, string what)
        {
            const string why = "the privacy notice names data in Chinese and English";
            var map = YamlMap.Open(errors, node, anchor, what, DisplayKeys);
            if (map is null)
            {
                return null;
            }

            var zh = map.Text("zh", required: true, rule: "R09", why: why);
            var en = map.Text("en", required: true, rule: "R09", why: why);
            return zh is null || en is null ? null : new DisplayName(zh, en);
        }

        private void ReadGroups(TypeDraft type, YamlMap map)
        {
            var items = map.List("groups");
            if (items is null)
            {
                return;
            }

            // Which group took each declared path, so that a field named twice is reported with the group it is already in.
            var taken = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < items.Count; i++)
            {
                var what = string.Create(CultureInfo.InvariantCulture, $"catalog.{type.Name}.groups[{i}]");
                var group = YamlMap.Open(errors, items[i], items[i], what, GroupKeys);
                if (group is null)
                {
                    continue;
                }

                var before = errors.Count;
                var display = group.Value("display") is { } d ? ReadDisplay(d, group.KeyNode("display")!, $"{what}.display") : null;
                if (!group.Has("display"))
                {
                    group.Missing("display", "R09", "each group is named in the notice, in Chinese and English ({ zh: 姓名, en: Name })");
                }

                var paths = new List<string>();
                var listed = group.List("paths", required: true);
                if (listed is { Count: 0 })
                {
                    errors.Add(group.At("paths"), $"{what}.paths: list at least one field path of type '{type.Name}'");
                }

                foreach (var item in listed ?? [])
                {
                    if (YamlScalars.Text(errors, item, $"{what}.paths: a path") is not { } path)
                    {
                        continue;
                    }

                    if (!PathSyntax.TryParse(path, out _, out var pathError))
                    {
                        errors.Add(item, $"{what}.paths: '{path}': {pathError}");
                        continue;
                    }

                    var selected = type.DeclaredPaths.Where(p => FieldGroup.Selects(path, p)).ToList();
                    if (selected.Count == 0)
                    {
                        errors.Add(item, $"{what}.paths: '{path}' selects no field of type '{type.Name}'");
                        continue;
                    }

                    foreach (var p in selected)
                    {
                        if (taken.TryGetValue(p, out var other) && other != i)
                        {
                            errors.Add(item, string.Create(CultureInfo.InvariantCulture, $"{what}.paths: '{path}' selects field '{p}', which is already in catalog.{type.Name}.groups[{other}]; a field is in one group"));
                        }
                        else
                        {
                            taken[p] = i;
                        }
                    }

                    paths.Add(path);
                }

                if (errors.Count == before && display is not null && paths.Count > 0)
                {
                    type.Groups.Add(new FieldGroup { Display = display, Paths = paths, Line = (int)items[i].Start.Line });
                }
            }
        }

        private void ReadField(TypeDraft type, YamlNode node, Dictionary<(string Path, FieldCondition? When), int> seen)
        {
            var map = YamlMap.Open(errors, node, node, $"type '{type.Name}' field", FieldKeys);
            if (map is null)
            {
                return;
            }

            var before = errors.Count;
            var path = map.Text("path", required: true);
            if (path is null)
            {
                return;
            }

            var what = $"type '{type.Name}' field '{path}'";
            if (!PathSyntax.TryParse(path, out var segments, out var pathError))
            {
                errors.Add(map.At("path"), $"{what}: {pathError}");
                return;
            }

            type.DeclaredPaths.Add(path);
            var category = ReadCategory(map, what);
            var level = ReadLevel(map, what);
            var tags = ReadTags(map, what);
            var format = FieldFormat.None;
            if (map.Text("format") is { } formatKey && !ClassificationNames.TryParseFormat(formatKey, out format))
            {
                errors.Add(map.At("format"), $"{what}: format '{formatKey}' is not known (known: {Keys(Enum.GetValues<FieldFormat>().Select(f => f.ToKey()))})");
            }

            var index = map.Text("index");
            if (index is not null)
            {
                var needed = FieldFormats.FormatForIndex(index);
                if (needed is null)
                {
                    errors.Add(map.At("index"), $"{what}: index kind '{index}' is not known (known: {string.Join(", ", FieldFormats.IndexKinds)})");
                }
                else if (needed != format)
                {
                    errors.Add(map.At("index"), $"{what}: an index of kind '{index}' needs format '{needed.Value.ToKey()}', so that only valid values are indexed");
                }
            }

            FieldCondition? when = null;
            if (map.Map("when") is { } whenMap)
            {
                if (whenMap.Entries.Count != 1)
                {
                    errors.Add(whenMap.Node, $"{what}: 'when' names exactly one sibling and its value ({{ system: phone }})");
                }
                else
                {
                    var (siblingKey, siblingValue) = whenMap.Entries[0];
                    var value = YamlScalars.Text(errors, siblingValue, $"{what}: when '{siblingKey.Value}'");
                    if (value is not null)
                    {
                        when = new FieldCondition(siblingKey.Value!, value);
                    }
                }

                if (segments[^1].Kind == SegmentKind.Wildcard)
                {
                    errors.Add(whenMap.Node, $"{what}: a path ending in .* classifies every descendant and takes no 'when'");
                }
            }

            if (seen.TryGetValue((path, when), out var firstLine))
            {
                errors.Add(map.At("path"), $"{what}: duplicate field definition (same path{(when is null ? string.Empty : " and same when")} as line {firstLine})");
                return;
            }

            seen[(path, when)] = (int)node.Start.Line;
            if (errors.Count != before || category is null || level is null || tags is null)
            {
                return;
            }

            type.Fields.Add(new FieldDef
            {
                Path = path,
                Category = category.Value,
                Level = level.Value,
                Tags = tags.Value,
                Format = format,
                Index = index,
                When = when,
                Description = map.Text("description"),
                Line = (int)node.Start.Line,
            });
        }

        private void ReadEscalation(TypeDraft type, YamlNode node)
        {
            var map = YamlMap.Open(errors, node, node, $"type '{type.Name}' escalation", EscalationKeys);
            if (map is null)
            {
                return;
            }

            var before = errors.Count;
            var path = map.Text("path", required: true);
            var what = $"type '{type.Name}' escalation on '{path}'";
            if (path is not null && (!type.DeclaredPaths.Contains(path) || path.EndsWith(".*", StringComparison.Ordinal)))
            {
                errors.Add(map.At("path"), $"{what}: the code path is one of the type's declared fields, not a wildcard");
            }

            var codes = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in map.List("codes") ?? [])
            {
                if (YamlScalars.Text(errors, item, $"{what}: a code") is { } code)
                {
                    codes.Add(code);
                }
            }

            var pattern = map.Text("pattern");
            if (pattern is not null)
            {
                try
                {
                    _ = CompiledEscalation.CreatePattern(pattern);
                }
                catch (ArgumentException e)
                {
                    errors.Add(map.At("pattern"), $"{what}: the pattern is not a regular expression this engine runs in linear time ({e.Message})");
                }
            }

            if (codes.Count == 0 && pattern is null)
            {
                errors.Add(map.Anchor, $"{what}: give 'codes', a 'pattern', or both");
            }

            var level = ReadLevel(map, what);
            var tags = ReadTags(map, what);
            var reason = map.Text("reason", required: true);
            if (errors.Count != before || path is null || level is null || tags is null || reason is null)
            {
                return;
            }

            type.Escalations.Add(new LevelEscalation
            {
                Path = path,
                Codes = codes.ToFrozenSet(StringComparer.Ordinal),
                Pattern = pattern,
                Level = level.Value,
                Tags = tags.Value,
                Reason = reason,
                Line = (int)node.Start.Line,
            });
        }

        private DataCategory? ReadCategory(YamlMap map, string what)
        {
            var key = map.Text("category", required: true);
            if (key is null)
            {
                return null;
            }

            if (ClassificationNames.TryParseCategory(key, out var category))
            {
                return category;
            }

            errors.Add(map.At("category"), $"{what}: category '{key}' is not one of GB/T 39725's six (known: {Keys(Enum.GetValues<DataCategory>().Select(c => c.ToKey()))})");
            return null;
        }

        private Level? ReadLevel(YamlMap map, string what)
        {
            var key = map.Text("level", required: true);
            if (key is null)
            {
                return null;
            }

            if (ClassificationNames.TryParseLevel(key, out var level))
            {
                return level;
            }

            errors.Add(map.At("level"), $"{what}: level '{key}' is out of range: levels are L1 to L5 (GB/T 39725)");
            return null;
        }

        private SensitiveTags? ReadTags(YamlMap map, string what)
        {
            var tags = SensitiveTags.None;
            var ok = true;
            foreach (var item in map.List("tags") ?? [])
            {
                var key = YamlScalars.Text(errors, item, $"{what}: a tag");
                if (key is null)
                {
                    ok = false;
                }
                else if (ClassificationNames.TryParseTag(key, out var tag))
                {
                    tags |= tag;
                }
                else
                {
                    errors.Add(item, $"{what}: tag '{key}' is not a PIPL Art. 28 sensitive category (known: {Keys(Enum.GetValues<SensitiveTags>().Where(t => t != SensitiveTags.None).SelectMany(t => t.ToKeys()))})");
                    ok = false;
                }
            }

            return ok ? tags : null;
        }

        private void ReadRecipients(YamlMap? recipients)
        {
            if (recipients is null)
            {
                return;
            }

            foreach (var (key, value) in recipients.Entries)
            {
                var name = key.Value!;
                var what = $"recipient '{name}'";
                var map = YamlMap.Open(errors, value, key, what, RecipientKeys);
                if (map is null)
                {
                    _draft.Recipients[name] = new RecipientDraft { KeyNode = key, Definition = Placeholder(name) };
                    continue;
                }

                const string r10 = "a recipient's identity, contact and what it receives are notified (PIPL Art. 23)";
                var before = errors.Count;
                var display = map.Text("name", required: true, rule: "R10", why: r10);
                var kind = map.Text("kind", required: true);
                if (kind is not null && !ProfileNames.RecipientKinds.Contains(kind))
                {
                    errors.Add(map.At("kind"), $"{what}: kind '{kind}' is not known (known: {string.Join(", ", ProfileNames.RecipientKinds)})");
                }

                var jurisdiction = map.Text("jurisdiction", required: true);
                if (jurisdiction is not null && !(jurisdiction.Length == 2 && jurisdiction.All(char.IsAsciiLetterUpper)))
                {
                    errors.Add(map.At("jurisdiction"), $"{what}: jurisdiction '{jurisdiction}' is an ISO 3166 two-letter region such as CN");
                }

                var contact = map.Text("contact", required: true, rule: "R10", why: r10);
                var receives = map.Text("receives", required: true, rule: "R10", why: r10);
                var delivery = ReadDelivery(map, what);
                var fields = new List<PathSelection>();
                if (map.Map("fields") is { } selected)
                {
                    ReadSelections(selected, fields, what, "receives");
                }

                var definition = errors.Count != before
                    ? Placeholder(name)
                    : new RecipientDef
                    {
                        Key = name,
                        Name = display!,
                        Kind = kind!,
                        Jurisdiction = jurisdiction!,
                        Contact = contact!,
                        Receives = receives,
                        Description = map.Text("description"),
                        ForeignControlled = map.Bool("foreignControlled") ?? false,
                        Method = delivery.Method,
                        Endpoint = delivery.Endpoint,
                        TlsPin = delivery.TlsPin,
                        PublicKey = delivery.PublicKey,
                        Fields = Selections(fields),
                        Deidentify = map.Bool("deidentify") ?? false,
                        Line = (int)key.Start.Line,
                    };
                _draft.Recipients[name] = new RecipientDraft { KeyNode = key, Definition = definition };
            }
        }

        private (string Method, string? Endpoint, string? TlsPin, string? PublicKey) ReadDelivery(YamlMap map, string what)
        {
            var method = map.Text("method") ?? "api";
            if (!ProfileNames.DeliveryMethods.Contains(method))
            {
                errors.Add(map.At("method"), $"{what}: method '{method}' is not known (known: {string.Join(", ", ProfileNames.DeliveryMethods)})");
            }

            var endpoint = map.Text("endpoint");
            if (endpoint is not null && !(Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && string.IsNullOrEmpty(uri.UserInfo)))
            {
                errors.Add(map.At("endpoint"), $"{what}: endpoint '{endpoint}' is an https:// URL without user information; data leaves Cordon only encrypted in transit", "R10");
            }

            var pin = map.Text("tlsPin");
            if (pin is not null && !(Convert.TryFromBase64String(pin, new byte[32], out var pinLength) && pinLength == 32))
            {
                errors.Add(map.At("tlsPin"), $"{what}: tlsPin is the base64 SHA-256 of the certificate's public key (SubjectPublicKeyInfo), 44 characters");
            }

            var publicKey = map.Text("publicKey");
            var suite = _draft.Operator.CryptoSuite;
            if (publicKey is not null && !Sharing.DisclosurePackage.IsUsableKey(Crypto.CryptoSuite.For(suite), publicKey))
            {
                errors.Add(map.At("publicKey"), $"{what}: publicKey is not a PEM public key (-----BEGIN PUBLIC KEY-----) the {Crypto.CryptoSuite.ToKey(suite)} suite can seal packages to: {(suite == Crypto.CryptoSuiteId.National ? "SM2 (sm2p256v1)" : "P-256")}");
            }

            if (method == "package" && publicKey is null)
            {
                errors.Add(map.At("method"), $"{what}: method 'package' needs a publicKey to encrypt packages to; Cordon never hands data out in clear", "R10");
            }

            return (method, endpoint, pin, publicKey);
        }

        private static RecipientDef Placeholder(string key) => new() { Key = key, Name = key, Kind = "controller", Jurisdiction = "CN", Contact = "-" };

        private void ReadPurposes(YamlMap? purposes)
        {
            if (purposes is null)
            {
                return;
            }

            foreach (var (key, value) in purposes.Entries)
            {
                var name = key.Value!;
                if (!IsPurposeKey(name))
                {
                    errors.Add(key, $"purpose key '{name}' is lower-case words joined by '-' or '.' (marketing.push)");
                    continue;
                }

                var purpose = new PurposeDraft { Key = name, KeyNode = key };
                _draft.Purposes.Add(purpose);
                var what = $"purpose '{name}'";
                var map = YamlMap.Open(errors, value, key, what, PurposeKeys);
                if (map is null)
                {
                    continue;
                }

                const string r09 = "the notice lists each purpose (PIPL Art. 17)";
                purpose.Name = map.Text("name", required: true, rule: "R09", why: r09);
                purpose.NameEn = map.Text("nameEn");
                purpose.Description = map.Text("description", required: true, rule: "R09", why: r09);
                ReadLegalBasis(purpose, map, what);

                purpose.ConsentNode = map.Value("consent");
                var consent = map.Text("consent", required: true, rule: "R02", why: "say which consent the purpose needs: none, general, separate or written");
                if (consent is not null)
                {
                    if (ProfileNames.TryParseConsent(consent, out var c))
                    {
                        purpose.Consent = c;
                    }
                    else
                    {
                        errors.Add(purpose.ConsentNode!, $"{what}: consent kind '{consent}' is not known (known: {ProfileNames.ConsentKeys})");
                    }
                }

                purpose.NecessaryNode = map.Value("necessary");
                purpose.Necessary = map.Bool("necessary") ?? false;
                purpose.ServiceNode = map.Value("service");
                var service = map.Text("service");
                if (service is not null)
                {
                    if (ProfileNames.Services.Contains(service))
                    {
                        purpose.Service = service;
                    }
                    else
                    {
                        errors.Add(purpose.ServiceNode!, $"{what}: service '{service}' is not known (known: {string.Join(", ", ProfileNames.Services)})");
                    }
                }

                if (map.Map("roles", RoleKeys, required: true) is { } roles)
                {
                    var before = errors.Count;
                    ReadRoles(roles, "write", purpose.WriteRoles, what);
                    ReadRoles(roles, "read", purpose.ReadRoles, what);
                    if (purpose.WriteRoles.Count == 0 && purpose.ReadRoles.Count == 0 && errors.Count == before)
                    {
                        errors.Add(roles.Anchor, $"{what}: no role may write or read under it");
                    }
                }

                if (map.Map("collect", required: true) is { } collect)
                {
                    ReadSelections(collect, purpose.Collect, what, "collects");
                }

                if (map.Map("read") is { } read)
                {
                    purpose.Read = [];
                    ReadSelections(read, purpose.Read, what, "reads");
                }

                purpose.RetentionNode = map.Value("retention");
                var retention = map.Text("retention", required: true, rule: "R18", why: "every purpose declares how long its data is kept (PIPL Art. 19)");
                if (retention is not null)
                {
                    if (RetentionPeriod.TryParse(retention, out var period) && period.ApproximateDays > 0)
                    {
                        purpose.Retention = period;
                    }
                    else
                    {
                        errors.Add(purpose.RetentionNode!, $"{what}: retention '{retention}' is a period such as 15y, 36m, 183d or 1y6m");
                    }
                }

                purpose.AfterRetention = ReadAfter(map, "afterRetention", what);
                purpose.RestrictedAccessNode = map.Value("restrictedAccess");
                purpose.RestrictedAccess = map.Bool("restrictedAccess") ?? false;

                foreach (var item in map.List("recipients") ?? [])
                {
                    if (YamlScalars.Text(errors, item, $"{what}: a recipient") is { } recipient)
                    {
                        if (_draft.Recipients.ContainsKey(recipient))
                        {
                            purpose.Recipients.Add((recipient, item));
                        }
                        else
                        {
                            errors.Add(item, $"{what}: recipient '{recipient}' is not declared under recipients", "R10");
                        }
                    }
                }

                purpose.NoticeNode = map.KeyNode("notice") ?? (YamlNode)key;
                if (map.Map("notice", PurposeNoticeKeys, required: true, rule: "R09", why: "the notice says how each purpose processes data (PIPL Art. 17)") is { } notice)
                {
                    purpose.Method = notice.Text("method", required: true, rule: "R09", why: "the notice says how data is processed (PIPL Art. 17)");
                    purpose.Necessity = notice.Text("necessity");
                    purpose.Impact = notice.Text("impact");
                }
            }
        }

        private void ReadLegalBasis(PurposeDraft purpose, YamlMap map, string what)
        {
            var node = map.Value("legalBasis");
            purpose.LegalBasisNode = node ?? map.Anchor;
            if (node is null)
            {
                errors.Add(map.Anchor, $"{what}: 'legalBasis' is missing; every purpose has exactly one lawful basis (PIPL Art. 13)", "R01");
                return;
            }

            if (node is YamlSequenceNode)
            {
                errors.Add(node, $"{what}: a purpose has exactly one lawful basis (PIPL Art. 13); split a purpose that needs two", "R01");
                return;
            }

            var key = YamlScalars.Text(errors, node, $"{what}: 'legalBasis'");
            if (key is null)
            {
                errors.Add(node, $"{what}: 'legalBasis' is empty; every purpose has exactly one lawful basis (PIPL Art. 13)", "R01");
            }
            else if (ProfileNames.TryParseLegalBasis(key, out var basis))
            {
                purpose.LegalBasis = basis;
            }
            else
            {
                errors.Add(node, $"{what}: legal basis '{key}' is not one of PIPL Art. 13's (known: {ProfileNames.LegalBasisKeys})", "R01");
            }
        }

        private void ReadRoles(YamlMap roles, string key, HashSet<Role> into, string what)
        {
            foreach (var item in roles.List(key) ?? [])
            {
                var role = YamlScalars.Text(errors, item, $"{what}: a role");
                if (role is null)
                {
                    continue;
                }

                if (RoleNames.TryParse(role, out var r))
                {
                    into.Add(r);
                }
                else
                {
                    errors.Add(item, $"{what}: role '{role}' is not known (known: {Keys(Enum.GetValues<Role>().Select(x => x.ToKey()))})");
                }
            }
        }

        private void ReadSelections(YamlMap map, List<PathSelection> into, string what, string verb)
        {
            foreach (var (typeKey, value) in map.Entries)
            {
                var typeName = typeKey.Value!;
                if (!_draft.Types.TryGetValue(typeName, out var type))
                {
                    errors.Add(typeKey, $"{what} {verb} type '{typeName}', which the catalog does not declare");
                    continue;
                }

                var selection = new PathSelection { Type = typeName, TypeNode = typeKey };
                into.Add(selection);
                if (value is not YamlSequenceNode list)
                {
                    errors.Add(value, $"{what}: the paths of '{typeName}' are a list ([\"*\"] for all of them)");
                    continue;
                }

                foreach (var item in list.Children)
                {
                    var path = YamlScalars.Text(errors, item, $"{what}: a path of '{typeName}'");
                    if (path is null)
                    {
                        continue;
                    }

                    if (path == "*")
                    {
                        selection.Paths.UnionWith(type.DeclaredPaths);
                    }
                    else if (type.DeclaredPaths.Contains(path))
                    {
                        selection.Paths.Add(path);
                    }
                    else
                    {
                        errors.Add(item, $"{what} {verb} '{typeName}.{path}', which the catalog does not declare");
                    }
                }
            }
        }

        private AfterRetention ReadAfter(YamlMap map, string key, string what)
        {
            var text = map.Text(key);
            if (text is null)
            {
                return AfterRetention.Delete;
            }

            if (ProfileNames.TryParseAfterRetention(text, out var after))
            {
                return after;
            }

            errors.Add(map.At(key), $"{what}: '{key}' is {ProfileNames.AfterRetentionKeys}, not '{text}'");
            return AfterRetention.Delete;
        }

        private void ReadMasking(YamlMap? masking)
        {
            if (masking is null)
            {
                return;
            }

            foreach (var (roleKey, roleValue) in masking.Entries)
            {
                if (!RoleNames.TryParse(roleKey.Value, out var role))
                {
                    errors.Add(roleKey, $"masking: role '{roleKey.Value}' is not known (known: {Keys(Enum.GetValues<Role>().Select(x => x.ToKey()))})");
                    continue;
                }

                var types = YamlMap.Open(errors, roleValue, roleKey, $"masking.{roleKey.Value}");
                foreach (var (typeKey, typeValue) in types?.Entries ?? [])
                {
                    if (!_draft.Types.TryGetValue(typeKey.Value!, out var type))
                    {
                        errors.Add(typeKey, $"masking.{roleKey.Value}: type '{typeKey.Value}' is not declared in the catalog");
                        continue;
                    }

                    var paths = YamlMap.Open(errors, typeValue, typeKey, $"masking.{roleKey.Value}.{typeKey.Value}");
                    foreach (var (pathKey, methodNode) in paths?.Entries ?? [])
                    {
                        var path = pathKey.Value!;
                        if (!type.DeclaredPaths.Contains(path))
                        {
                            errors.Add(pathKey, $"masking.{roleKey.Value}.{type.Name}: '{path}' is not a declared path of {type.Name}");
                            continue;
                        }

                        var method = YamlScalars.Text(errors, methodNode, $"masking of {type.Name}.{path}");
                        if (method is null)
                        {
                            continue;
                        }

                        if (TryParseMask(method, out var mask))
                        {
                            _draft.Masking.Add(new MaskRule { Role = role, Type = type.Name, Path = path, Mask = mask, Line = (int)pathKey.Start.Line });
                        }
                        else
                        {
                            errors.Add(methodNode, $"masking of {type.Name}.{path}: '{method}' is not a mask method (keep-ends(start,end), year or redact)");
                        }
                    }
                }
            }
        }

        private void ReadRetention(YamlMap top)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in top.List("retention") ?? [])
            {
                var map = YamlMap.Open(errors, item, item, "retention rule", RetentionKeys);
                if (map is null)
                {
                    continue;
                }

                var typeName = map.Text("type", required: true);
                var periodText = map.Text("period", required: true);
                var after = ReadAfter(map, "after", "retention rule");
                if (typeName is null || periodText is null)
                {
                    continue;
                }

                if (!_draft.Types.ContainsKey(typeName))
                {
                    errors.Add(map.At("type"), $"retention rule: type '{typeName}' is not declared in the catalog");
                    continue;
                }

                if (!seen.Add(typeName))
                {
                    errors.Add(map.At("type"), $"retention rule: type '{typeName}' already has a retention rule");
                    continue;
                }

                if (!RetentionPeriod.TryParse(periodText, out var period) || period.ApproximateDays <= 0)
                {
                    errors.Add(map.At("period"), $"retention rule for {typeName}: '{periodText}' is a period such as 15y, 36m, 183d or 1y6m");
                    continue;
                }

                _draft.Retention.Add(new RetentionRuleDraft
                {
                    Rule = new RetentionRule { Type = typeName, Period = period, After = after, Line = (int)item.Start.Line },
                    PeriodNode = map.At("period"),
                });
            }
        }

        private void ReadNotice(YamlMap? notice)
        {
            if (notice is null)
            {
                return;
            }

            var n = _draft.Notice;
            n.Title = notice.Text("title", required: true, rule: "R09");
            n.Intro = notice.Text("intro", required: true, rule: "R09");
            n.ChildPolicy = notice.Text("childPolicy", required: true, rule: "R03", why: "the processing of children's data under 14 needs dedicated rules (PIPL Art. 31)");
            n.AfterRetention = notice.Text("afterRetention", required: true, rule: "R09", why: "the notice says what happens to data when its retention ends (PIPL Art. 17, NDSMR Art. 21)");
            n.Effective = notice.Text("effective");
            if (n.Effective is not null
                && !DateOnly.TryParseExact(n.Effective, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                errors.Add(notice.At("effective"), $"notice: 'effective' is a date written YYYY-MM-DD");
            }

            var rights = notice.Map("rights", ProfileNames.Rights, required: true, rule: "R09", why: "the notice says how to exercise each right (PIPL Art. 17, NDSMR Art. 21)");
            if (rights is null)
            {
                return;
            }

            foreach (var right in ProfileNames.Rights)
            {
                if (!rights.Has(right))
                {
                    errors.Add(rights.Anchor, $"notice.rights: the channel for '{right}' is missing; the notice says how to exercise every right, including withdrawal and account cancellation (PIPL Art. 17, NDSMR Art. 21)", "R09");
                    continue;
                }

                if (rights.Text(right, required: true, rule: "R09") is { } how)
                {
                    n.Rights.Add(new RightChannel(right, how));
                }
            }
        }

        private static bool TryParseMask(string text, out MaskSpec mask)
        {
            mask = new MaskSpec(MaskMethod.Redact);
            var t = text.Replace(" ", string.Empty, StringComparison.Ordinal);
            switch (t)
            {
                case "redact":
                    return true;
                case "year":
                    mask = new MaskSpec(MaskMethod.Year);
                    return true;
            }

            if (!t.StartsWith("keep-ends(", StringComparison.Ordinal) || !t.EndsWith(')'))
            {
                return false;
            }

            var parts = t["keep-ends(".Length..^1].Split(',');
            if (parts.Length == 2
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var end)
                && start <= 64 && end <= 64)
            {
                mask = new MaskSpec(MaskMethod.KeepEnds, start, end);
                return true;
            }

            return false;
        }

        private static bool IsTypeName(string name)
            => name.Length > 0 && char.IsAsciiLetterUpper(name[0]) && name.All(char.IsAsciiLetterOrDigit);

        private static bool IsPurposeKey(string key)
        {
            if (key.Length == 0 || !char.IsAsciiLetterLower(key[0]) || key[^1] is '.' or '-')
            {
                return false;
            }

            for (var i = 0; i < key.Length; i++)
            {
                var c = key[i];
                var separator = c is '.' or '-';
                if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || separator) || (separator && key[i - 1] is '.' or '-'))
                {
                    return false;
                }
            }

            return true;
        }

        private static string Keys(IEnumerable<string> keys) => string.Join(", ", keys);
    }
}
