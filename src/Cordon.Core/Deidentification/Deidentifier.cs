using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using System.Text.Json;
using Cordon.Core.Catalog;
using Cordon.Core.Crypto;
using Cordon.Core.Json;

namespace Cordon.Core.Deidentification;

/// <summary>
/// One de-identification walk: reads a resource with <see cref="Utf8JsonReader"/> and writes it with
/// <see cref="Utf8JsonWriter"/> in one pass, the catalog's trie and the rules' trie walked side by side. Reused across the
/// resources of a Bundle or an NDJSON file (its buffers are rented once); not thread-safe.
/// </summary>
internal sealed partial class Deidentifier(DeidentificationPlan plan, Utf8JsonWriter writer) : IDisposable
{
    public static readonly JsonWriterOptions WriterOptions = JsonOutput.WriterOptions;

    /// <summary>The security coding of each label (same order as <see cref="DeidentifiedResource.LabelCodes"/>), written once with the walk's writer options.</summary>
    private static readonly byte[][] LabelCodings = [.. DeidentifiedResource.LabelCodes.Select(l => LabelCoding(l.Code))];

    private static readonly Utf8NameMap<string> FreeText = new(DeidentificationPlan.FreeTextNames.Select(n => KeyValuePair.Create(n, n)));

    private readonly PendingContainers _containers = new(writer);
    private readonly JsonScratch _scratch = new();
    private readonly ArrayBufferWriter<byte> _text = new(256);
    private readonly Dictionary<int, (byte[] Id, byte[] Uuid)> _pseudonyms = [];
    private readonly Dictionary<int, (byte[] System, byte[] Pseudonym)> _systems = [];
    private readonly ArrayBufferWriter<byte> _lastSeedToken = new(64);
    private readonly List<Range> _security = [];
    private SeedCheck? _lineSeedCheck;

    /// <summary>Set only while an NDJSON line is walked under a guessed seed (<see cref="Line(ReadOnlySpan{byte}, Dictionary{string, SubjectContext}, IBufferWriter{byte}, List{DeidentifiedResource})"/>).</summary>
    private SeedCheck? _seedCheck;
    private ArrayBufferWriter<byte>? _line;

    /// <summary>The transformed value of a primitive (a pseudonym, a shifted date, a hash): a field, not a stackalloc zeroed for every primitive.</summary>
    private readonly byte[] _small = new byte[128];
    private string? _lastSeed;
    private bool _lastSeedIsReference;
    private ValueTransforms.IdPseudonym? _pseudonymOf;
    private IAeadKey? _aead;
    private IMacKey? _pseudonymKey;

    private TypePlan _type = null!;
    private SubjectContext _context = SubjectContext.Empty;
    private string _seed = string.Empty;
    private string? _subject;
    private string? _subjectSeed;
    private int? _offset;
    private SecurityLabels _labels;
    private int _redacted;
    private int _unclassified;
    private int _pseudonymised;
    private int _shifted;
    private int _generalized;
    private int _transformed;
    private int _scrubbed;
    private string? _id;
    private List<KeyValuePair<string, string>>? _quasi;

    public Result<DeidentifiedResource> Resource(ReadOnlySpan<byte> resource, string seed, SubjectContext? context)
    {
        if (!TypeOf(plan, resource, out var typeName, out var type))
        {
            return Failure.Malformed("a resource is a JSON object with a resourceType");
        }

        Reset(seed);
        if (type is null)
        {
            return new DeidentifiedResource { ResourceType = typeName, Subject = Subject(), Withheld = "catalog.unknown-type" };
        }

        _type = type;
        _context = context ?? (typeName == "Patient" ? SubjectContext.FromPatient(resource) : SubjectContext.Empty);
        var reader = new Utf8JsonReader(resource);
        reader.Read();
        writer.WriteStartObject();
        writer.WriteString("resourceType"u8, type.Utf8Name);
        var meta = Object(ref reader, new PathCursor(type.Catalog.Root, -1), new PathCursor(type.Rules.Root, -1), isRoot: true);
        _seedCheck?.Walked = true;
        Meta(resource, meta);
        writer.WriteEndObject();
        return new DeidentifiedResource
        {
            ResourceType = typeName,
            Id = _id,
            Subject = Subject(),
            Labels = _labels,
            Redacted = _redacted,
            Unclassified = _unclassified,
            Pseudonymised = _pseudonymised,
            DatesShifted = _shifted,
            Generalized = _generalized,
            Transformed = _transformed,
            Scrubbed = _scrubbed,
            QuasiIdentifiers = _quasi is null ? [] : Joined(_quasi),
        };
    }

    private void Reset(string seed)
    {
        if (!string.Equals(seed, _seed, StringComparison.Ordinal))
        {
            _seed = seed;
            _offset = null;
            _subject = null;
        }

        _labels = SecurityLabels.None;
        _redacted = _unclassified = _pseudonymised = _shifted = _generalized = _transformed = _scrubbed = 0;
        _id = null;
        _quasi = null;
    }

    private string Subject()
    {
        if (_subject is null || !ReferenceEquals(_subjectSeed, _seed))
        {
            _subject = ValueTransforms.PseudonymId(PseudonymKey, _seed);
            _subjectSeed = _seed;
        }

        return _subject;
    }

    /// <summary>Walks an object's members; at the root, returns where <c>meta</c> was (written last, with the labels).</summary>
    private Range Object(ref Utf8JsonReader reader, PathCursor catalog, PathCursor rules, bool isRoot = false)
    {
        var holding = catalog.Node is { ChildConditions.Length: > 0 } ? JsonScratch.Holding(reader, catalog.Node, stackalloc bool[32]) : [];
        Range meta = default;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = JsonScratch.UnescapedName(ref reader);
            reader.Read();
            if (isRoot && _seedCheck is not null)
            {
                _seedCheck.Member(ref reader, name);
            }

            if (isRoot && name.SequenceEqual("resourceType"u8))
            {
                Skip(ref reader);
                continue;
            }

            if (isRoot && name.SequenceEqual("meta"u8) && reader.TokenType == JsonTokenType.StartObject)
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                meta = start..(int)reader.BytesConsumed;
                continue;
            }

            Member(ref reader, catalog, rules, holding, name);
        }

        return meta;
    }

    private void Member(ref Utf8JsonReader reader, PathCursor catalog, PathCursor rules, scoped ReadOnlySpan<bool> holding, scoped ReadOnlySpan<byte> name)
    {
        var child = catalog.Descend(name);
        if (child.IsDead)
        {
            Unclassified();
            Skip(ref reader);
            return;
        }

        var rule = rules.Descend(name);
        var freeText = reader.TokenType is JsonTokenType.String or JsonTokenType.StartArray && FreeText.Find(name) is not null;
        Value(ref reader, child, rule, child.Resolve(holding), rule.Resolve([]), name, freeText);
    }

    private void Value(ref Utf8JsonReader reader, PathCursor catalog, PathCursor rules, int field, int rule, scoped ReadOnlySpan<byte> name, bool freeText)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                _containers.Push(name, isArray: false);
                Object(ref reader, catalog, rules);
                _containers.Pop(isArray: false);
                break;
            case JsonTokenType.StartArray:
                _containers.Push(name, isArray: true);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    Value(ref reader, catalog, rules, field, rule, default, freeText);
                }

                _containers.Pop(isArray: true);
                break;
            default:
                Primitive(ref reader, field, rule, name, freeText);
                break;
        }
    }

    private void Primitive(ref Utf8JsonReader reader, int field, int rule, scoped ReadOnlySpan<byte> name, bool freeText)
    {
        if (field < 0 && rule < 0)
        {
            Unclassified();
            return;
        }

        var action = rule >= 0 ? _type.RuleActions[rule] : _type.Defaults[field];
        var isString = reader.TokenType == JsonTokenType.String;
        var value = isString ? _scratch.UnescapedString(ref reader) : reader.ValueSpan;
        var small = _small.AsSpan();
        switch (action.Method)
        {
            case ValueMethod.Redact:
                Redact();
                return;
            case ValueMethod.Keep:
                Write(name, value, isString, action);
                return;
            case ValueMethod.Default:
                Default(name, value, isString, freeText, action);
                return;
            case ValueMethod.PseudonymId when isString:
                Pseudonym(value, small);
                _id = Encoding.ASCII.GetString(small[..ValueTransforms.UuidLength]);
                Pseudonymised(name, small[..ValueTransforms.UuidLength]);
                return;
            case ValueMethod.PseudonymReference when isString:
                var reference = value.Length + ValueTransforms.UuidLength <= small.Length ? small : new byte[value.Length + ValueTransforms.UuidLength];
                if (ValueTransforms.Reference(value, reference, _pseudonymOf ??= Pseudonym, out var written))
                {
                    Pseudonymised(name, reference[..written]);
                }
                else
                {
                    Redact();
                }

                return;
            case ValueMethod.PseudonymIdentifier:
                ValueTransforms.PseudonymIdentifier(PseudonymKey, value, small);
                Pseudonymised(name, small[..32]);
                return;
            case ValueMethod.PseudonymSystem when isString:
                Pseudonymised(name, System(value));
                return;
            case ValueMethod.DateShift when isString:
                Shift(name, value, action, small);
                return;
            case ValueMethod.CryptoHash:
                ValueTransforms.CryptoHash(plan, value, small);
                Transformed(name, small[..64], SecurityLabels.CryptoHashed, action);
                return;
            case ValueMethod.Encrypt:
                _aead ??= plan.Suite.CreateAead(plan.Keys.Encrypt);
                Transformed(name, Encoding.ASCII.GetBytes(ValueTransforms.Encrypt(plan, _aead, value)), SecurityLabels.Masked, action);
                return;
            case ValueMethod.Substitute:
                Substitute(name, action, isNumber: reader.TokenType == JsonTokenType.Number);
                return;
            case ValueMethod.Perturb when reader.TokenType == JsonTokenType.Number && reader.TryGetDecimal(out var number):
                Perturb(name, value, number, action);
                return;
            case ValueMethod.Generalize:
                Generalize(ref reader, name, value, isString, action);
                return;
            default:
                // A method that does not apply to this kind of value (a date shift of a number, noise on a string): removed.
                Redact();
                return;
        }
    }

    private void Default(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool isString, bool freeText, ValueAction action)
    {
        if (isString && ValueTransforms.StartsWithFullDate(value))
        {
            var shifted = _small.AsSpan(0, 64);
            if (value.Length <= shifted.Length && ValueTransforms.ShiftDate(value, Offset(), shifted, out var length))
            {
                _shifted++;
                _labels |= SecurityLabels.Perturbed;
                Write(name, shifted[..length], isString: true, action);
                return;
            }
        }

        if (isString && freeText)
        {
            _text.ResetWrittenCount();
            var replaced = FreeTextScrubber.Scrub(value, _context, _text);
            if (replaced > 0)
            {
                _scrubbed += replaced;
                _labels |= SecurityLabels.Redacted;
                Write(name, _text.WrittenSpan, isString: true, action);
                return;
            }
        }

        Write(name, value, isString, action);
    }

    private void Shift(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, ValueAction action, Span<byte> buffer)
    {
        if (value.Length <= buffer.Length && ValueTransforms.ShiftDate(value, Offset(), buffer, out var length))
        {
            _shifted++;
            _labels |= SecurityLabels.Perturbed;
            Write(name, buffer[..length], isString: true, action);
        }
        else
        {
            Redact();
        }
    }

    private void Substitute(ReadOnlySpan<byte> name, ValueAction action, bool isNumber)
    {
        var substitute = action.Rule!.Value!;
        _transformed++;
        _labels |= SecurityLabels.Masked;
        _containers.Open();
        WriteName(name);
        if (isNumber && decimal.TryParse(substitute, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteStringValue(substitute);
        }

        Quasi(action, Encoding.UTF8.GetBytes(substitute));
    }

    private void Perturb(ReadOnlySpan<byte> name, ReadOnlySpan<byte> raw, decimal value, ValueAction action)
    {
        var rule = action.Rule!;
        var noise = ValueTransforms.Noise(plan, _seed, action.Path);
        var perturbed = value + (noise * (rule.Span ?? (rule.Ratio!.Value * Math.Abs(value))));
        var decimals = Decimals(raw);
        _transformed++;
        _labels |= SecurityLabels.Perturbed;
        WriteNumber(name, Math.Round(perturbed, decimals, MidpointRounding.ToEven), action);
    }

    private void Generalize(ref Utf8JsonReader reader, scoped ReadOnlySpan<byte> name, scoped ReadOnlySpan<byte> value, bool isString, ValueAction action)
    {
        var rule = action.Rule!;
        if (rule.To is { } to)
        {
            if (isString && ValueTransforms.Generalize(value, to, out var length))
            {
                Generalized(name, value[..length], action);
            }
            else
            {
                Redact();
            }

            return;
        }

        if (rule.Width is { } width)
        {
            if (reader.TokenType == JsonTokenType.Number && reader.TryGetDecimal(out var number))
            {
                _generalized++;
                _labels |= SecurityLabels.Generalized;
                WriteNumber(name, Math.Floor(number / width) * width, action);
            }
            else
            {
                Redact();
            }

            return;
        }

        var chars = _scratch.Chars(value.Length);
        var text = chars.AsSpan(0, Encoding.UTF8.GetChars(value, chars));
        if (action.Mapping!.Value.TryGetValue(text, out var mapped) || rule.Otherwise is { } otherwise && (mapped = otherwise) is not null)
        {
            Generalized(name, Encoding.UTF8.GetBytes(mapped), action);
        }
        else
        {
            Redact();
        }
    }

    private void Generalized(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, ValueAction action)
    {
        _generalized++;
        _labels |= SecurityLabels.Generalized;
        Write(name, value, isString: true, action);
    }

    private void Pseudonymised(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        _pseudonymised++;
        _labels |= SecurityLabels.Pseudonymised;
        _containers.Open();
        WriteName(name);
        writer.WriteStringValue(value);
    }

    private void Transformed(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, SecurityLabels label, ValueAction action)
    {
        _transformed++;
        _labels |= label;
        Write(name, value, isString: true, action);
    }

    private void Write(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool isString, ValueAction action)
    {
        _containers.Open();
        WriteName(name);
        if (isString)
        {
            writer.WriteStringValue(value);
        }
        else
        {
            writer.WriteRawValue(value, skipInputValidation: true);
        }

        Quasi(action, value);
    }

    private void WriteNumber(ReadOnlySpan<byte> name, decimal number, ValueAction action)
    {
        _containers.Open();
        WriteName(name);
        writer.WriteNumberValue(number);
        if (action.QuasiIdentifier is not null)
        {
            Quasi(action, Encoding.ASCII.GetBytes(number.ToString(CultureInfo.InvariantCulture)));
        }
    }

    private void Quasi(ValueAction action, ReadOnlySpan<byte> written)
    {
        if (action.QuasiIdentifier is { } key)
        {
            (_quasi ??= []).Add(new(key, Encoding.UTF8.GetString(written)));
        }
    }

    private void WriteName(ReadOnlySpan<byte> name)
    {
        if (!name.IsEmpty)
        {
            writer.WritePropertyName(name);
        }
    }

    private void Redact()
    {
        _redacted++;
        _labels |= SecurityLabels.Redacted;
    }

    private void Unclassified()
    {
        _unclassified++;
        Redact();
    }

    /// <summary>The pseudonym key's MAC, set up once per walker: most values of a resource that change are pseudonyms.</summary>
    private IMacKey PseudonymKey => _pseudonymKey ??= plan.Suite.CreateMac(plan.Keys.Pseudonym);

    private int Offset() => _offset ??= ValueTransforms.DateOffset(plan, _seed);

    /// <summary>The pseudonym system of an identifier system, from the walker's cache (a Bundle has a handful of systems).</summary>
    private byte[] System(ReadOnlySpan<byte> system)
    {
        var hash = new HashCode();
        hash.AddBytes(system);
        var key = hash.ToHashCode();
        if (_systems.TryGetValue(key, out var cached) && system.SequenceEqual(cached.System))
        {
            return cached.Pseudonym;
        }

        var pseudonym = Encoding.UTF8.GetBytes(ValueTransforms.PseudonymSystem(PseudonymKey, plan.Keys.Tenant, system));
        _systems[key] = (system.ToArray(), pseudonym);
        return pseudonym;
    }

    /// <summary>
    /// The pseudonym of a resource id, from the walker's cache when the id came before: a subject's and an encounter's
    /// ids are referenced by hundreds of resources of a Bundle, and the keyed MAC is the costliest step of a reference.
    /// </summary>
    private void Pseudonym(ReadOnlySpan<byte> id, Span<byte> uuid)
    {
        var hash = new HashCode();
        hash.AddBytes(id);
        var key = hash.ToHashCode();
        if (_pseudonyms.TryGetValue(key, out var cached) && id.SequenceEqual(cached.Id))
        {
            cached.Uuid.CopyTo(uuid);
            return;
        }

        ValueTransforms.PseudonymId(PseudonymKey, id, uuid);
        if (_pseudonyms.Count >= 65_536)
        {
            _pseudonyms.Clear();
        }

        _pseudonyms[key] = (id.ToArray(), uuid[..ValueTransforms.UuidLength].ToArray());
    }

    private void Skip(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
        }
    }

    /// <summary>
    /// Writes <c>meta</c> last, once every label is known: the resource's own meta walked like any element (its
    /// <c>lastUpdated</c> shifted), then <c>security</c> with the labels it had and the labels of what was done.
    /// </summary>
    private void Meta(ReadOnlySpan<byte> resource, Range meta)
    {
        var catalog = new PathCursor(_type.Catalog.Root, -1).Descend("meta"u8);
        var rules = new PathCursor(_type.Rules.Root, -1).Descend("meta"u8);
        var existing = _security;
        existing.Clear();
        _containers.Push("meta"u8, isArray: false);
        if (meta.End.Value > 0)
        {
            var slice = resource[meta];
            var reader = new Utf8JsonReader(slice);
            reader.Read();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var name = JsonScratch.UnescapedName(ref reader);
                reader.Read();
                if (name.SequenceEqual("security"u8) && reader.TokenType == JsonTokenType.StartArray)
                {
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        var start = (int)reader.TokenStartIndex;
                        Skip(ref reader);
                        existing.Add((meta.Start.Value + start)..(meta.Start.Value + (int)reader.BytesConsumed));
                    }

                    continue;
                }

                if (catalog.IsDead)
                {
                    Unclassified();
                    Skip(ref reader);
                    continue;
                }

                Member(ref reader, catalog, rules, [], name);
            }
        }

        if (_labels != SecurityLabels.None || existing.Count > 0)
        {
            _containers.Open();
            writer.WritePropertyName("security"u8);
            writer.WriteStartArray();
            foreach (var range in existing)
            {
                writer.WriteRawValue(resource[range], skipInputValidation: true);
            }

            for (var i = 0; i < DeidentifiedResource.LabelCodes.Length; i++)
            {
                if ((_labels & DeidentifiedResource.LabelCodes[i].Label) != 0)
                {
                    writer.WriteRawValue(LabelCodings[i], skipInputValidation: true);
                }
            }

            writer.WriteEndArray();
        }

        _containers.Pop(isArray: false);
    }

    private static byte[] LabelCoding(string code)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var coding = new Utf8JsonWriter(buffer, WriterOptions))
        {
            coding.WriteStartObject();
            coding.WriteString("system"u8, DeidentifiedResource.LabelSystem);
            coding.WriteString("code"u8, code);
            coding.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static int Decimals(ReadOnlySpan<byte> raw)
    {
        if (raw.IndexOfAny((byte)'e', (byte)'E') >= 0)
        {
            return 6;
        }

        var dot = raw.IndexOf((byte)'.');
        return dot < 0 ? 0 : raw.Length - dot - 1;
    }

    private static KeyValuePair<string, string>[] Joined(List<KeyValuePair<string, string>> values)
        => [.. values.GroupBy(v => v.Key, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new KeyValuePair<string, string>(g.Key, string.Join('|', g.Select(v => v.Value))))];

    /// <summary>The <c>resourceType</c> of a JSON object at the top level, or null when it is not an object or has none. Malformed JSON throws.</summary>
    public static string? ResourceTypeOf(ReadOnlySpan<byte> resource)
    {
        var reader = new Utf8JsonReader(resource);
        return ToResourceType(ref reader) ? reader.GetString() : null;
    }

    /// <summary>Whether <see cref="ResourceTypeOf"/> is <paramref name="type"/> (ASCII), without making a string of it.</summary>
    public static bool IsResourceType(ReadOnlySpan<byte> resource, ReadOnlySpan<byte> type)
    {
        var reader = new Utf8JsonReader(resource);
        if (!ToResourceType(ref reader))
        {
            return false;
        }

        // Escaped or not valid UTF-8: through GetString, which throws for invalid UTF-8 as ResourceTypeOf does.
        return reader.ValueIsEscaped || !Utf8.IsValid(reader.ValueSpan)
            ? string.Equals(reader.GetString(), Encoding.ASCII.GetString(type), StringComparison.Ordinal)
            : reader.ValueSpan.SequenceEqual(type);
    }

    /// <summary>
    /// The <c>resourceType</c> of a resource and its plan (null for a type outside the catalog), the name from the plan
    /// when it has one (no string made per resource); false when <see cref="ResourceTypeOf"/> is null.
    /// </summary>
    private static bool TypeOf(DeidentificationPlan plan, ReadOnlySpan<byte> resource, out string typeName, out TypePlan? type)
    {
        var reader = new Utf8JsonReader(resource);
        if (!ToResourceType(ref reader))
        {
            typeName = string.Empty;
            type = null;
            return false;
        }

        type = reader.ValueIsEscaped ? null : plan.TypeLookup.Find(reader.ValueSpan);
        typeName = type?.Name ?? reader.GetString()!;
        type ??= plan.TypeLookup.Find(Encoding.UTF8.GetBytes(typeName));
        return true;
    }

    /// <summary>Moves the reader to the string value of the first top-level <c>resourceType</c>; false when the JSON is not an object or has none.</summary>
    private static bool ToResourceType(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isType = reader.ValueTextEquals("resourceType"u8);
            reader.Read();
            if (isType && reader.TokenType == JsonTokenType.String)
            {
                return true;
            }

            reader.Skip();
        }

        return false;
    }

    public static string? SubjectSeedOf(ReadOnlySpan<byte> resource) => FindSeed(resource) is { } seed ? Seed(resource, seed) : null;

    /// <summary>
    /// The subject seed of a resource, as <see cref="SubjectSeedOf"/>; the string of the resource before when its seed is
    /// written the same (one subject's resources come together), so that a line's seed is a string only once per subject.
    /// </summary>
    private string SeedOf(ReadOnlySpan<byte> resource) => SeedOf(resource, FindSeed(resource));

    private string SeedOf(ReadOnlySpan<byte> resource, SeedToken? found)
    {
        if (found is not { } seed)
        {
            return string.Empty;
        }

        var token = resource[seed.Token];
        if (_lastSeed is null || seed.IsReference != _lastSeedIsReference || !token.SequenceEqual(_lastSeedToken.WrittenSpan))
        {
            _lastSeed = Seed(resource, seed);
            _lastSeedIsReference = seed.IsReference;
            _lastSeedToken.ResetWrittenCount();
            _lastSeedToken.Write(token);
        }

        return _lastSeed;
    }

    /// <summary>Where the subject seed of a resource is written: its Patient's own id, or the reference of its subject, patient or beneficiary.</summary>
    private static SeedToken? FindSeed(ReadOnlySpan<byte> resource)
    {
        var reader = new Utf8JsonReader(resource);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        Range? id = null;
        bool? isPatient = null;
        Range? referenced = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var which = reader.ValueTextEquals("id"u8) ? 1
                : reader.ValueTextEquals("resourceType"u8) ? 2
                : reader.ValueTextEquals("subject"u8) || reader.ValueTextEquals("patient"u8) || reader.ValueTextEquals("beneficiary"u8) ? 3
                : 0;
            reader.Read();
            if (which is 1 or 2 && reader.TokenType == JsonTokenType.String)
            {
                ThrowIfNotUtf8(ref reader);
                if (which == 1)
                {
                    id = Token(ref reader);
                }
                else
                {
                    isPatient = reader.ValueTextEquals("Patient"u8);
                }

                if (isPatient == true && id is { } patientId)
                {
                    return new SeedToken(patientId, IsReference: false);
                }
            }
            else if (which == 3 && reader.TokenType == JsonTokenType.StartObject && referenced is null)
            {
                referenced = ReferenceToken(ref reader);
                if (referenced is { } reference && isPatient == false)
                {
                    return new SeedToken(reference, IsReference: true);
                }
            }
            else
            {
                reader.Skip();
            }
        }

        return isPatient == true
            ? id is { } ownId ? new SeedToken(ownId, IsReference: false) : null
            : referenced is { } last ? new SeedToken(last, IsReference: true) : null;
    }

    /// <summary>The last <c>reference</c> string of the object the reader stands at.</summary>
    private static Range? ReferenceToken(ref Utf8JsonReader reader)
    {
        Range? result = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isReference = reader.ValueTextEquals("reference"u8);
            reader.Read();
            if (isReference && reader.TokenType == JsonTokenType.String)
            {
                ThrowIfNotUtf8(ref reader);
                result = Token(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        return result;
    }

    /// <summary>The seed a token names: the id itself, or the id a reference ends with (after <c>urn:uuid:</c> or the last slash, before <c>/_history/</c>).</summary>
    private static string Seed(ReadOnlySpan<byte> resource, SeedToken seed)
    {
        var reader = new Utf8JsonReader(resource[seed.Token]);
        reader.Read();
        var value = reader.GetString()!;
        if (!seed.IsReference)
        {
            return value;
        }

        var history = value.IndexOf("/_history/", StringComparison.Ordinal);
        value = history >= 0 ? value[..history] : value;
        return value.StartsWith("urn:uuid:", StringComparison.Ordinal) ? value[9..] : value[(value.LastIndexOf('/') + 1)..];
    }

    private static Range Token(ref Utf8JsonReader reader) => (int)reader.TokenStartIndex..(int)reader.BytesConsumed;

    /// <summary>GetString throws for a string that is not valid UTF-8; the seed search read every id, type and reference with it, and still throws where it did.</summary>
    private static void ThrowIfNotUtf8(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped || !Utf8.IsValid(reader.ValueSpan))
        {
            _ = reader.GetString();
        }
    }

    /// <summary>Where a subject seed is written in a resource: a JSON string token, as in the input.</summary>
    private readonly record struct SeedToken(Range Token, bool IsReference);

    /// <summary>
    /// <see cref="FindSeed"/> done member by member by the walk, which reads the top-level members anyway: the same
    /// decisions in the same order (the first decisive member wins), the same exceptions for what is not valid UTF-8.
    /// </summary>
    private sealed class SeedCheck
    {
        private Range? _id;
        private bool? _isPatient;
        private Range? _referenced;
        private SeedToken? _decided;

        public bool Walked { get; set; }

        public void Clear()
        {
            _id = _referenced = null;
            _isPatient = null;
            _decided = null;
            Walked = false;
        }

        public void Member(ref Utf8JsonReader reader, scoped ReadOnlySpan<byte> name)
        {
            if (_decided is not null)
            {
                return;
            }

            var which = name.SequenceEqual("id"u8) ? 1
                : name.SequenceEqual("resourceType"u8) ? 2
                : name.SequenceEqual("subject"u8) || name.SequenceEqual("patient"u8) || name.SequenceEqual("beneficiary"u8) ? 3
                : 0;
            if (which is 1 or 2 && reader.TokenType == JsonTokenType.String)
            {
                ThrowIfNotUtf8(ref reader);
                if (which == 1)
                {
                    _id = Token(ref reader);
                }
                else
                {
                    _isPatient = reader.ValueTextEquals("Patient"u8);
                }

                if (_isPatient == true && _id is { } patientId)
                {
                    _decided = new SeedToken(patientId, IsReference: false);
                }
            }
            else if (which == 3 && reader.TokenType == JsonTokenType.StartObject && _referenced is null)
            {
                var copy = reader;
                _referenced = ReferenceToken(ref copy);
                if (_referenced is { } reference && _isPatient == false)
                {
                    _decided = new SeedToken(reference, IsReference: true);
                }
            }
        }

        /// <summary>The seed once the root object has been read, as <see cref="FindSeed"/> would have found it.</summary>
        public SeedToken? Found()
            => _decided ?? (_isPatient == true
                ? _id is { } ownId ? new SeedToken(ownId, IsReference: false) : null
                : _referenced is { } last ? new SeedToken(last, IsReference: true) : null);
    }

    public void Dispose()
    {
        _containers.Dispose();
        _scratch.Dispose();
        _aead?.Dispose();
        _pseudonymKey?.Dispose();
    }
}
