using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Cordon.Core.Access;
using Cordon.Core.Audit;
using Cordon.Core.Catalog;
using Cordon.Core.Consent;
using Cordon.Core.Profiles;
using Cordon.Core.Subjects;
using Cordon.Server.Decisions;
using Cordon.Server.Records;
using Cordon.Server.Subjects;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Server.Import;

/// <summary>
/// Bulk import of FHIR R4: transaction or collection Bundles (<c>.json</c>) and NDJSON (<c>.ndjson</c>, one resource or
/// Bundle per line). A subject is created per Patient (external id: the Patient's id, else its first identifier; birth
/// date from the Patient) or matched when the tenant already has it. Every other resource goes to its patient through
/// its <c>subject</c> or <c>patient</c> reference (<c>urn:uuid:…</c> or <c>Patient/…</c>); in a Bundle with a single
/// Patient, resources that name no patient (the Practitioners of a Synthea bundle) belong to that patient.
/// Catalogued types are written under the purpose through <see cref="RecordWriter"/> — classification, formats,
/// minimum necessary, the access decision, sealing — in batches, each record with its audit entry. Uncatalogued types
/// are skipped and counted; refused resources are counted by reason and by element, audited as denials, and nothing of
/// them is stored. A resource whose source id (type and id, else its entry's full URL) its subject already has is
/// counted as already stored and neither written nor audited again, so a re-run stores nothing twice. Places in the
/// input are given as file number and line or entry, never by file name (Synthea names files after the patient).
/// </summary>
public static partial class FhirImport
{
    public static async Task<ImportReport> RunAsync(TenantContext tenant, ICordonStore store, IReadOnlyList<string> files, ImportOptions options, TimeProvider time, IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        if (!tenant.Policy.TryGetPurpose(options.Purpose, out var purpose))
        {
            throw new ArgumentException($"The profile of tenant '{tenant.Id}' declares no purpose '{options.Purpose}'.", nameof(options));
        }

        var run = new ImportRun(tenant, store, options, purpose, time, progress, files);
        try
        {
            await run.ExecuteAsync(cancellationToken);
            return run.Report;
        }
        catch
        {
            await run.AbandonAsync();
            throw;
        }
        finally
        {
            run.Dispose();
        }
    }

    private sealed class ImportRun(TenantContext tenant, ICordonStore store, ImportOptions options, int purpose, TimeProvider time, IProgress<ImportProgress>? progress, IReadOnlyList<string> files) : IDisposable
    {
        private const int MaxOpenSubjects = 4096;

        /// <summary>
        /// Batches handed to the store and not yet committed. With more than one, the writer starts the next batch as soon
        /// as one commits, instead of waiting for this thread to finish preparing it (one in flight left the writer idle
        /// ~20 % of an import, and this thread waiting for it as long).
        /// </summary>
        private const int MaxInFlight = 3;

        /// <summary>
        /// How many resources of a Bundle are checked against the catalog ahead of the one being written: enough that the
        /// checks go on while this thread waits for the store.
        /// </summary>
        private const int PrepareAhead = 1024;

        internal static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 128, AllowDuplicateProperties = false };

        /// <summary>
        /// For the bytes of a resource already parsed with <see cref="DocumentOptions"/> (a resource held until its patient
        /// is known, or one rebuilt by the drop-field repair): its duplicate properties were refused then, so they are not
        /// looked for again.
        /// </summary>
        private static readonly JsonDocumentOptions CheckedOptions = new() { MaxDepth = 128, AllowDuplicateProperties = true };

        private readonly PurposeDef _purpose = tenant.Policy.Purpose(purpose);
        private readonly Auth.Actor _actor = new(tenant.Id, options.Actor, Role.App, null, false);
        private readonly Audit.AuditContext _audit = new(tenant.Id, options.Actor, Role.App.ToKey(), time.GetUtcNow(), Keys: tenant.Keys);
        private readonly Dictionary<string, Subject> _byReference = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Subject?> _byExternalId = new(StringComparer.Ordinal);
        private readonly List<Subject> _opened = [];
        private readonly List<Subject> _creating = [];
        private readonly List<(RecordRow Record, IReadOnlyList<LookupRow> Lookups, AuditDraft Audit)> _batch = [];
        private readonly List<Subject> _batchSubjects = [];
        private readonly List<Task> _denials = [];
        private readonly List<Deferred> _deferred = [];
        private readonly Stopwatch _clock = new();
        private readonly Queue<Task> _inFlight = new();
        private DateTimeOffset _now = time.GetUtcNow();
        private long _bytesTotal;
        private long _bytesDone;
        private int _fileNumber;

        public ImportReport Report { get; } = new();

        private DateOnly Today => DateOnly.FromDateTime(_now.UtcDateTime.AddHours(8));

        public async Task ExecuteAsync(CancellationToken cancellationToken)
        {
            _clock.Start();
            _bytesTotal = files.Sum(f => new FileInfo(f).Length);
            Task<JsonText>? next = null;
            try
            {
                for (var i = 0; i < files.Count; i++)
                {
                    var file = files[i];
                    _fileNumber++;
                    var start = _bytesDone;
                    if (IsNdjson(file))
                    {
                        await ReadNdjsonAsync(file, cancellationToken);
                    }
                    else
                    {
                        var current = next ?? ParseAsync(file, cancellationToken);
                        next = null;
                        using var text = await current;

                        // The next file is read and scanned on the thread pool while this one is written.
                        if (i + 1 < files.Count && !IsNdjson(files[i + 1]))
                        {
                            next = ParseAsync(files[i + 1], cancellationToken);
                        }

                        await ReadTextAsync(text, null, text.Bytes.Length, cancellationToken);
                    }

                    _bytesDone = start + new FileInfo(file).Length;
                    Report.Files++;
                    Progress(file);
                }
            }
            finally
            {
                if (next is not null)
                {
                    // An import stopped early (cancelled, or a file it could not read) still returns the parsed document's buffers.
                    try
                    {
                        (await next).Dispose();
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException)
                    {
                    }
                }
            }

            // References to patients that came later in the input.
            foreach (var item in _deferred)
            {
                if (_byReference.TryGetValue(item.Reference, out var subject))
                {
                    using var document = JsonDocument.Parse(item.Json, CheckedOptions);
                    await WriteAsync(subject, item.Type, document.RootElement, item.Json, item.Source, item.Where, cancellationToken);
                }
                else
                {
                    Refuse(item.Where, item.Type, "import.no-patient", null, cancellationToken, issues: [new ImportIssue(item.Element, "refers to a Patient that is neither in the input nor a subject of the tenant")]);
                }
            }

            await FlushAsync(cancellationToken);
            while (_inFlight.Count > 0)
            {
                await _inFlight.Dequeue();
            }

            await Task.WhenAll(_denials);
            _clock.Stop();
            Report.Elapsed = _clock.Elapsed;
            Progress(files.Count > 0 ? files[^1] : string.Empty);
        }

        /// <summary>After a failure: waits for the writes already handed to the store, so that none is left running unobserved.</summary>
        public async Task AbandonAsync()
        {
            try
            {
                await Task.WhenAll([.. _inFlight, .. _denials]);
            }
            catch (Exception)
            {
                // The import is failing already; the first failure is the one reported.
            }
        }

        public void Dispose()
        {
            foreach (var subject in _opened)
            {
                subject.Opened?.Dispose();
                subject.Opened = null;
            }
        }

        private static bool IsNdjson(string file) => Path.GetExtension(file).ToLowerInvariant() is ".ndjson" or ".jsonl";

        /// <summary>Reads and scans one JSON file; pure, so it runs ahead on the thread pool.</summary>
        private static Task<JsonText> ParseAsync(string file, CancellationToken cancellationToken)
            => Task.Run(async () => JsonText.Parse(await File.ReadAllBytesAsync(file, cancellationToken)), cancellationToken);

        private async Task ReadNdjsonAsync(string file, CancellationToken cancellationToken)
        {
            var fileStart = _bytesDone;
            await foreach (var (line, bytes, consumed) in LinesAsync(file, cancellationToken))
            {
                _bytesDone = fileStart + consumed;
                if (bytes.AsSpan().Trim(" \t"u8).IsEmpty)
                {
                    continue;
                }

                using var text = JsonText.Parse(bytes);
                await ReadTextAsync(text, line, 0, cancellationToken);
            }
        }

        /// <summary>One JSON text of the input: a file, or a line of NDJSON (<paramref name="line"/>).</summary>
        private async Task ReadTextAsync(JsonText text, int? line, long fileBytes, CancellationToken cancellationToken)
        {
            if (text.Entries is not null)
            {
                await ReadBundleAsync(text, line, fileBytes, cancellationToken);
            }
            else if (text.Resource is not null)
            {
                await ReadResourceAsync(text.Resource.RootElement, null, Where(line), null, cancellationToken);
            }
            else
            {
                Report.Resources++;
                Refuse(Where(line), "?", "request.malformed", null, cancellationToken, issues: [new ImportIssue(null, text.Problem ?? "not one well-formed JSON value (truncated, text after it, or a property of the Bundle or of an entry named twice)")]);
            }
        }

        private async Task ReadBundleAsync(JsonText bundle, int? line, long fileBytes, CancellationToken cancellationToken)
        {
            // Patients first, so that every other entry finds its subject.
            var entries = bundle.Entries!;
            var context = new BundleContext();
            var patients = entries.Where(e => e.Type == "Patient").ToList();
            var ahead = new Ahead(this, bundle.Bytes, [.. patients, .. entries.Where(e => e.Type != "Patient")], cancellationToken);
            var index = 0;
            foreach (var entry in patients)
            {
                context.Single = await ReadEntryAsync(entry, ahead.Take(index++), Where(line, entry.Number), context, cancellationToken);
            }

            if (patients.Count != 1)
            {
                context.Single = null;
            }

            var start = _bytesDone;
            var done = 0;
            foreach (var entry in entries)
            {
                done++;
                if (fileBytes > 0 && done % 64 == 0)
                {
                    _bytesDone = start + (fileBytes * done / entries.Count);
                }

                if (entry.Type != "Patient")
                {
                    await ReadEntryAsync(entry, ahead.Take(index++), Where(line, entry.Number), context, cancellationToken);
                }
            }
        }

        /// <summary>One entry of a Bundle, with its resource parsed and checked ahead (for a catalogued type); for a Patient, returns its subject.</summary>
        private async Task<Subject?> ReadEntryAsync(BundleEntry entry, (byte[]? Json, Task<Parsed>? Parsed) ahead, string where, BundleContext bundle, CancellationToken cancellationToken)
        {
            if (!Admit(entry.Type, where, cancellationToken))
            {
                return null;
            }

            // Admitted, so of a catalogued type: its parse and checks were started ahead.
            var (document, preparation) = await ahead.Parsed!;
            if (document is null)
            {
                // Scanned as well-formed JSON, but with a property named twice in the resource, or a string that is not text.
                Refuse(where, entry.Type, "request.malformed", null, cancellationToken, issues: [new ImportIssue(null, "a property is named twice in the resource, or a string is not text that can be written back out (invalid UTF-8, a lone surrogate, a control character)")]);
                return null;
            }

            using (document)
            {
                return await AcceptAsync(entry.Type, document.RootElement, ahead.Json!, entry.FullUrl, where, bundle, cancellationToken, preparation);
            }
        }

        /// <summary>
        /// The resources of a Bundle of a catalogued type, each cut from the Bundle's bytes and parsed alone (duplicate
        /// properties refused), with its catalog checks (<see cref="RecordWriter.Prepare(TenantContext, int, JsonElement, byte[], DateOnly)"/>,
        /// and the drop-field repair), started ahead on the thread pool, at most <see cref="PrepareAhead"/> resources ahead,
        /// in the order the resources are read. The work is pure: it reads the compiled tenant only and changes nothing.
        /// Everything with an effect — subjects, decisions, sealing, batches, refusals and their audit entries — stays on
        /// the import's thread, in input order.
        /// </summary>
        private sealed class Ahead(ImportRun run, byte[] bytes, List<BundleEntry> order, CancellationToken cancellationToken)
        {
            private readonly byte[]?[] _json = new byte[order.Count][];
            private readonly Task<Parsed>?[] _parsed = new Task<Parsed>?[order.Count];
            private int _started;

            /// <summary>The resource's bytes and its parse and checks (none for a resource the catalog does not declare); starts the ones ahead.</summary>
            public (byte[]? Json, Task<Parsed>? Parsed) Take(int index)
            {
                for (var limit = Math.Min(order.Count, index + PrepareAhead); _started < limit; _started++)
                {
                    var entry = order[_started];
                    if (entry.Type is { } type && run.IsCatalogued(type))
                    {
                        var json = _json[_started] = bytes.AsSpan(entry.Start, entry.Length).ToArray();
                        _parsed[_started] = Task.Run(() => run.ParseAndPrepare(type, json), cancellationToken);
                    }
                }

                var taken = (_json[index], _parsed[index]);
                _json[index] = null;
                _parsed[index] = null;
                return taken;
            }
        }

        /// <summary>Reads one resource that is not a Bundle's entry (a file or an NDJSON line of its own, parsed whole); for a Patient, returns its subject.</summary>
        private async Task<Subject?> ReadResourceAsync(JsonElement resource, string? fullUrl, string where, BundleContext? bundle, CancellationToken cancellationToken)
        {
            var type = TypeOf(resource);
            if (!Admit(type, where, cancellationToken))
            {
                return null;
            }

            return await AcceptAsync(type, resource, JsonMarshal.GetRawUtf8Value(resource).ToArray(), fullUrl, where, bundle, cancellationToken);
        }

        /// <summary>Counts a resource read; refuses one without a type and skips (counted) one of a type the catalog does not declare.</summary>
        private bool Admit([NotNullWhen(true)] string? type, string where, CancellationToken cancellationToken)
        {
            Report.Resources++;
            if (type is null)
            {
                Refuse(where, "?", "import.no-resource-type", null, cancellationToken, issues: [new ImportIssue("resourceType", "missing, or not a string")]);
                return false;
            }

            if (type == InvalidText)
            {
                Refuse(where, "?", "request.malformed", null, cancellationToken, issues: [new ImportIssue("resourceType", "not text that can be written back out (invalid UTF-8, a lone surrogate)")]);
                return false;
            }

            if (!IsCatalogued(type))
            {
                ImportReport.Count(Report.Skipped, type);
                return false;
            }

            return true;
        }

        /// <summary>A resource of a catalogued type, with its bytes (and its catalog checks when they ran ahead); for a Patient, returns its subject.</summary>
        private async Task<Subject?> AcceptAsync(string type, JsonElement resource, byte[] json, string? fullUrl, string where, BundleContext? bundle, CancellationToken cancellationToken, Preparation? preparation = null)
        {
            var source = SourceOf(type, resource, fullUrl);
            if (type == "Patient")
            {
                var patient = await AcceptPatientAsync(resource, fullUrl, where, cancellationToken);
                await WriteAsync(patient, type, resource, json, source, where, cancellationToken, preparation);
                return patient;
            }

            var reference = PatientReference(resource, type);
            if (reference is { Length: 0 })
            {
                // About something other than a patient (a Group, a Device …).
                ImportReport.Count(Report.Unlinked, type);
                return null;
            }

            if (reference is null)
            {
                if (bundle?.Single is { } single)
                {
                    await WriteAsync(single, type, resource, json, source, where, cancellationToken, preparation);
                }
                else
                {
                    ImportReport.Count(Report.Unlinked, type);
                }

                return null;
            }

            var subject = await ResolveAsync(reference, cancellationToken);
            if (subject is null)
            {
                _deferred.Add(new Deferred(reference, ReferenceElement(resource), type, json, source, where));
                return null;
            }

            await WriteAsync(subject, type, resource, json, source, where, cancellationToken, preparation);
            return null;
        }

        private async Task<Subject> AcceptPatientAsync(JsonElement patient, string? fullUrl, string where, CancellationToken cancellationToken)
        {
            var fhirId = patient.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : null;
            var externalId = fhirId ?? FirstIdentifier(patient);
            Subject subject;
            if (externalId is null || !SubjectEndpoints.IsCleanText(externalId, 128))
            {
                subject = Subject.RefusedAs("import.patient-without-id");
            }
            else if (!TryBirthDate(patient, out var birthDate))
            {
                subject = Subject.RefusedAs("import.patient-birth-date");
            }
            else if (await FindExistingAsync(externalId, cancellationToken) is { } existing)
            {
                subject = existing;
            }
            else
            {
                var id = SubjectVault.NewId("sub");
                var (row, key, lookup, opened) = SubjectVault.CreateOpened(tenant, id, new SubjectProfile(externalId, birthDate, DisplayName(patient)), null, _now);
                var under = Age.YearsOn(birthDate, Today) < tenant.Profile.Settings.GuardianConsentBelowAge;
                subject = new Subject(id) { Opened = opened, State = SubjectState.Active, UnderGuardianAge = under, Consents = [], Sources = [] };
                subject.Creation = store.CreateSubjectAsync(row, key, [lookup], Audit("subject.create", AuditOutcome.Done, id), cancellationToken);
                _opened.Add(subject);
                _creating.Add(subject);
                _byExternalId[externalId] = subject;
                Report.SubjectsCreated++;
                Report.MinorsWithoutGuardian += under ? 1 : 0;
            }

            if (fullUrl is not null)
            {
                _byReference[fullUrl] = subject;
            }

            if (fhirId is not null)
            {
                _byReference["Patient/" + fhirId] = subject;
            }

            return subject;
        }

        private async Task WriteAsync(Subject subject, string type, JsonElement resource, byte[] json, string? source, string where, CancellationToken cancellationToken, Preparation? preparation = null)
        {
            if (subject.RefusedCode is { } refused)
            {
                Refuse(where, type, refused, null, cancellationToken, issues: [type == "Patient" ? PatientProblem(refused) : new ImportIssue(null, $"the Patient it belongs to was refused ({refused})")]);
                return;
            }

            // Stored for this subject before (an earlier run, or earlier in this one): not stored again, and not audited
            // again either — nothing is written, read or decided; the entry of the write that stored it stands.
            var sourceId = source is null ? null : tenant.Indexer.Compute(LookupRow.SourceId, source);
            if (sourceId is not null)
            {
                subject.Sources ??= [.. (await store.ListSourceIdsAsync(tenant.Id, subject.Id, cancellationToken)).Select(SourceKey)];
                if (subject.Sources.Contains(SourceKey(sourceId)))
                {
                    ImportReport.Count(Report.AlreadyStored, type);
                    return;
                }
            }

            var (prepared, droppedFields) = preparation ?? Prepare(type, resource, json);
            foreach (var dropped in droppedFields)
            {
                ImportReport.Count(Report.Dropped, dropped);
            }

            if (prepared.Failed)
            {
                Refuse(where, type, prepared.Failure.Code, subject.Id, cancellationToken, prepared.Failure.Rule, IssuesOf(prepared.Failure));
                return;
            }

            var record = prepared.Value;
            var opened = await OpenAsync(subject, cancellationToken);
            if (opened is null)
            {
                Refuse(where, type, "import.patient-refused", null, cancellationToken, issues: [new ImportIssue(null, "the subject could not be opened (it has no current data key: erased while the import ran)")]);
                return;
            }

            // The same admission as every other writer: the consent the purpose needs for this subject (a child's
            // guardian's, even under a contract), read once per subject for the whole import.
            var history = SubjectFacts.ConsentPurposeToLoad(tenant.Policy, purpose) is null
                ? []
                : subject.Consents ??= await store.GetHistoryAsync(tenant.Id, subject.Id, cancellationToken);
            var facts = SubjectFacts.FromHistory(opened, purpose, history, []);
            var admission = RecordAdmission.Admit(tenant, _audit with { Now = _now }, _actor, facts, purpose, record, "record.import");
            if (!admission.Admitted)
            {
                Refuse(where, type, admission.Refusal!.Code, subject.Id, cancellationToken, admission.Refusal.Rule, [new ImportIssue(null, admission.Refusal.Detail)]);
                return;
            }

            var lookups = admission.Lookups;
            if (sourceId is not null)
            {
                subject.Sources!.Add(SourceKey(sourceId));
                lookups = [.. lookups, new LookupRow(tenant.Id, LookupRow.SourceId, sourceId, subject.Id, admission.Row.Id)];
            }

            _batch.Add((admission.Row, lookups, admission.Audit));
            _batchSubjects.Add(subject);
            if (_batch.Count >= options.BatchSize)
            {
                await FlushAsync(cancellationToken);
            }
        }

        /// <summary>
        /// The catalog checks of one resource: classification, formats, minimum necessary; with drop-field, a resource
        /// refused for invalid values only is checked again without them (the dropped fields are returned, for the report).
        /// Pure (it reads the compiled tenant only), so it may run on any thread.
        /// </summary>
        private Preparation Prepare(string type, JsonElement resource, byte[] json)
        {
            var prepared = RecordWriter.Prepare(tenant, purpose, resource, json, Today);
            if (prepared.Failed && options.OnInvalid == InvalidValueHandling.DropField && prepared.Failure.Code == "validation.failed"
                && tenant.Catalog.TryGetType(type, out var compiled) && InvalidValues.Drop(compiled, resource, Today) is { } repaired)
            {
                using var document = JsonDocument.Parse(repaired.Json, CheckedOptions);
                var again = RecordWriter.Prepare(tenant, purpose, document.RootElement, repaired.Json, Today);
                if (!again.Failed)
                {
                    return new Preparation(again, repaired.Dropped);
                }
            }

            return new Preparation(prepared, []);
        }

        private bool IsCatalogued(string type) => tenant.Catalog.TryGetType(type, out _);

        /// <summary>
        /// A Bundle's resource parsed from its own bytes, duplicate properties refused (no document then), and
        /// <see cref="Prepare(string, JsonElement, byte[])"/> on it. The import's thread reads the document, then disposes it.
        /// </summary>
        private Parsed ParseAndPrepare(string type, byte[] json)
        {
            if (Core.Json.StrictJson.Check(json) is not null)
            {
                return new Parsed(null, null);
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(json, DocumentOptions);
            }
            catch (JsonException)
            {
                return new Parsed(null, null);
            }

            return new Parsed(document, Prepare(type, document.RootElement, json));
        }

        private async Task FlushAsync(CancellationToken cancellationToken)
        {
            // The subjects were queued before their records; a creation that lost a race for its external id refuses them.
            foreach (var subject in _creating)
            {
                if (await subject.Creation! != WriteStatus.Done)
                {
                    subject.RefusedCode = "import.subject-conflict";
                }
            }

            _creating.Clear();
            for (var i = _batch.Count - 1; i >= 0; i--)
            {
                if (_batchSubjects[i].RefusedCode is not null)
                {
                    Refuse("(batch)", _batch[i].Record.Type, "import.subject-conflict", null, cancellationToken, issues: [new ImportIssue(null, "another writer created a subject with the same external id while this import ran")]);
                    _batch.RemoveAt(i);
                    _batchSubjects.RemoveAt(i);
                }
            }

            // Batches in flight while the next is prepared: classification and sealing overlap the disk.
            while (_inFlight.Count >= MaxInFlight)
            {
                await _inFlight.Dequeue();
            }

            if (_batch.Count > 0)
            {
                foreach (var item in _batch)
                {
                    ImportReport.Count(Report.Records, item.Record.Type);
                }

                _inFlight.Enqueue(BulkWrite.PutAsync(store, [.. _batch], cancellationToken));
                _batch.Clear();
                _batchSubjects.Clear();
            }

            if (_denials.Count > 256)
            {
                await Task.WhenAll(_denials);
                _denials.Clear();
            }

            if (_opened.Count > MaxOpenSubjects)
            {
                // Committed subjects can be opened again from the store when more of their records come.
                foreach (var subject in _opened)
                {
                    subject.Opened?.Dispose();
                    subject.Opened = null;
                }

                _opened.Clear();
            }

            _now = time.GetUtcNow();
            Progress(_fileNumber > 0 ? files[_fileNumber - 1] : string.Empty);
        }

        private async Task<OpenSubject?> OpenAsync(Subject subject, CancellationToken cancellationToken)
        {
            if (subject.Opened is null)
            {
                subject.Opened = await SubjectVault.OpenAsync(tenant, store, subject.Id, cancellationToken);
                if (subject.Opened is not null)
                {
                    _opened.Add(subject);
                }
            }

            return subject.Opened;
        }

        private async Task<Subject?> ResolveAsync(string reference, CancellationToken cancellationToken)
        {
            if (_byReference.TryGetValue(reference, out var known))
            {
                return known;
            }

            // A patient imported before (another file, another run) is found by its external id.
            var externalId = reference.StartsWith("Patient/", StringComparison.Ordinal) ? reference["Patient/".Length..]
                : reference.StartsWith("urn:uuid:", StringComparison.Ordinal) ? reference["urn:uuid:".Length..]
                : null;
            var existing = externalId is null ? null : await FindExistingAsync(externalId, cancellationToken);
            if (existing is not null)
            {
                _byReference[reference] = existing;
            }

            return existing;
        }

        private async Task<Subject?> FindExistingAsync(string externalId, CancellationToken cancellationToken)
        {
            if (_byExternalId.TryGetValue(externalId, out var cached))
            {
                return cached;
            }

            Subject? subject = null;
            var found = await store.FindSubjectsAsync(tenant.Id, "external-id", tenant.Indexer.Compute("external-id", externalId), cancellationToken);
            if (found.Count == 1 && await SubjectVault.OpenAsync(tenant, store, found[0], cancellationToken) is { } opened)
            {
                subject = new Subject(opened.Id)
                {
                    Opened = opened,
                    State = opened.Row.State,
                    UnderGuardianAge = opened.AgeOn(Today) < tenant.Profile.Settings.GuardianConsentBelowAge,
                };
                _opened.Add(subject);
                Report.SubjectsMatched++;
            }

            _byExternalId[externalId] = subject;
            return subject;
        }

        private void Refuse(string where, string type, string code, string? subjectId, CancellationToken cancellationToken, string? rule = null, IReadOnlyList<ImportIssue>? issues = null)
        {
            ImportReport.Count(Report.Refused, code);
            issues ??= [];
            foreach (var key in issues.Select(i => ElementKey(type, i, code)).Distinct(StringComparer.Ordinal))
            {
                ImportReport.Count(Report.RefusedElements, key);
            }

            if (Report.FirstRefusals.Count < ImportReport.ListedRefusals)
            {
                Report.FirstRefusals.Add(new ImportRefusal(where, type, code) { Issues = [.. issues.Take(ImportRefusal.ListedIssues)], Hint = ImportHints.For(code) });
            }

            var draft = Audit("record.import", AuditOutcome.Deny, subjectId, rules: rule is null ? [] : [rule]) with { Code = code };
            _denials.Add(store.AppendAsync(draft, cancellationToken));
        }

        /// <summary>The elements of a failed preparation and what is wrong with each (paths and reasons only: the failures never hold values).</summary>
        private static IReadOnlyList<ImportIssue> IssuesOf(Core.Failure failure)
            => failure.Errors is { Count: > 0 } errors
                ? [.. errors.SelectMany(e => e.Value.Select(reason => new ImportIssue(e.Key, reason)))]
                : [new ImportIssue(null, failure.Detail)];

        /// <summary>
        /// The key a refusal is counted under: type, element, reason and code; the line and position a FHIR issue names
        /// differ from resource to resource, so they are left out of the count (the listed refusals keep them).
        /// </summary>
        private static string ElementKey(string type, ImportIssue issue, string code)
        {
            var reason = LinePosition().Replace(issue.Reason, string.Empty);
            return issue.Path is null ? $"{type}: {reason} ({code})" : $"{type}.{issue.Path}: {reason} ({code})";
        }

        private static ImportIssue PatientProblem(string code) => code switch
        {
            "import.patient-without-id" => new("id", "the Patient has neither an id nor an identifier value of clean text (at most 128 characters)"),
            "import.patient-birth-date" => new("birthDate", "missing, or not a full date (YYYY-MM-DD) from 1900 to today"),
            _ => new(null, "the Patient's subject could not be created (" + code + ")"),
        };

        /// <summary>
        /// Where a resource came from: its type and FHIR id, else its Bundle entry's full URL; null when it has neither
        /// (such a resource is stored again by a re-run). Only its blind index is stored.
        /// </summary>
        private static string? SourceOf(string type, JsonElement resource, string? fullUrl)
            => resource.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } value
                ? type + "/" + value
                : fullUrl;

        private static UInt128 SourceKey(byte[] hash) => MemoryMarshal.Read<UInt128>(hash);

        /// <summary>The element that names the resource's patient (for a refusal that names it).</summary>
        private static string ReferenceElement(JsonElement resource)
            => resource.TryGetProperty("subject", out _) ? "subject.reference"
                : resource.TryGetProperty("patient", out _) ? "patient.reference"
                : "participant.actor.reference";

        private AuditDraft Audit(string action, AuditOutcome outcome, string? subject, IReadOnlyList<string>? records = null, AuditFlags flags = AuditFlags.None, IReadOnlyList<string>? rules = null)
            => (_audit with { Now = _now }).Draft(action, outcome, _purpose.Key, subject, records, rules: rules, flags: flags);

        private void Progress(string file)
            => progress?.Report(new ImportProgress(file, _fileNumber, files.Count, Math.Min(_bytesDone, _bytesTotal), _bytesTotal, Report.RecordsStored, Report.RefusedTotal));

        private string Where(int? line, int? entry = null)
            => (line, entry) switch
            {
                (null, null) => string.Create(CultureInfo.InvariantCulture, $"file {_fileNumber}"),
                (null, { } e) => string.Create(CultureInfo.InvariantCulture, $"file {_fileNumber}, entry {e}"),
                ({ } l, null) => string.Create(CultureInfo.InvariantCulture, $"file {_fileNumber}, line {l}"),
                ({ } l, { } e) => string.Create(CultureInfo.InvariantCulture, $"file {_fileNumber}, line {l}, entry {e}"),
            };

        private static string? TypeOf(JsonElement resource)
            => resource.ValueKind == JsonValueKind.Object && resource.TryGetProperty("resourceType", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null;

        /// <summary>The patient a resource is about: <c>subject</c> or <c>patient</c>, or an Appointment's patient participant. Empty when it names another kind of subject.</summary>
        private static string? PatientReference(JsonElement resource, string type)
        {
            foreach (var name in (ReadOnlySpan<string>)["subject", "patient"])
            {
                if (resource.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
                    && value.TryGetProperty("reference", out var reference) && reference.ValueKind == JsonValueKind.String)
                {
                    return Normalize(reference.GetString()!) ?? string.Empty;
                }
            }

            if (type == "Appointment" && resource.TryGetProperty("participant", out var participants) && participants.ValueKind == JsonValueKind.Array)
            {
                foreach (var participant in participants.EnumerateArray())
                {
                    if (participant.ValueKind == JsonValueKind.Object && participant.TryGetProperty("actor", out var actor) && actor.ValueKind == JsonValueKind.Object
                        && actor.TryGetProperty("reference", out var reference) && reference.ValueKind == JsonValueKind.String
                        && Normalize(reference.GetString()!) is { } patient)
                    {
                        return patient;
                    }
                }
            }

            return null;
        }

        /// <summary><c>urn:uuid:…</c> as it is; <c>[base/]Patient/id[/_history/v]</c> as <c>Patient/id</c>; anything else is not a patient.</summary>
        private static string? Normalize(string reference)
        {
            if (reference.StartsWith("urn:uuid:", StringComparison.Ordinal))
            {
                return reference;
            }

            int at;
            if (reference.StartsWith("Patient/", StringComparison.Ordinal))
            {
                at = 0;
            }
            else
            {
                var found = reference.IndexOf("/Patient/", StringComparison.Ordinal);
                if (found < 0)
                {
                    return null;
                }

                at = found + 1;
            }

            var id = reference[(at + "Patient/".Length)..];
            var slash = id.IndexOf('/', StringComparison.Ordinal);
            return "Patient/" + (slash < 0 ? id : id[..slash]);
        }

        private static string? FirstIdentifier(JsonElement patient)
        {
            if (patient.TryGetProperty("identifier", out var identifiers) && identifiers.ValueKind == JsonValueKind.Array)
            {
                foreach (var identifier in identifiers.EnumerateArray())
                {
                    if (identifier.ValueKind == JsonValueKind.Object && identifier.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.String)
                    {
                        return value.GetString();
                    }
                }
            }

            return null;
        }

        private bool TryBirthDate(JsonElement patient, out DateOnly birthDate)
        {
            birthDate = default;
            return patient.TryGetProperty("birthDate", out var value) && value.ValueKind == JsonValueKind.String
                && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out birthDate)
                && birthDate <= Today && birthDate.Year >= 1900;
        }

        private static string? DisplayName(JsonElement patient)
        {
            if (!patient.TryGetProperty("name", out var names) || names.ValueKind != JsonValueKind.Array || names.GetArrayLength() == 0 || names[0].ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var name = names[0];
            string? text = name.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (text is null)
            {
                var parts = new List<string>();
                if (name.TryGetProperty("given", out var given) && given.ValueKind == JsonValueKind.Array)
                {
                    parts.AddRange(given.EnumerateArray().Where(g => g.ValueKind == JsonValueKind.String).Select(g => g.GetString()!));
                }

                if (name.TryGetProperty("family", out var family) && family.ValueKind == JsonValueKind.String)
                {
                    parts.Add(family.GetString()!);
                }

                text = parts.Count == 0 ? null : string.Join(' ', parts);
            }

            return text is not null && SubjectEndpoints.IsCleanText(text, 100) ? text : null;
        }

        private static async IAsyncEnumerable<(int Line, byte[] Bytes, long Consumed)> LinesAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            var buffer = new byte[1 << 16];
            int start = 0, end = 0, line = 0;
            long consumed = 0;
            while (true)
            {
                var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    line++;
                    var bytes = buffer.AsSpan(start, newline).TrimEnd((byte)'\r').ToArray();
                    consumed += newline + 1;
                    start += newline + 1;
                    yield return (line, bytes, consumed);
                    continue;
                }

                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }

                if (end == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                var read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken);
                if (read == 0)
                {
                    if (end > start)
                    {
                        yield return (line + 1, buffer[start..end], consumed + end - start);
                    }

                    yield break;
                }

                end += read;
            }
        }
    }

    /// <summary>A patient of the import: its subject id, the cipher over its data key while it is open, what decisions need.</summary>
    private sealed class Subject(string id)
    {
        public string Id { get; } = id;

        public OpenSubject? Opened { get; set; }

        public SubjectState State { get; init; }

        public bool UnderGuardianAge { get; init; }

        public IReadOnlyList<ConsentEvent>? Consents { get; set; }

        public Task<WriteStatus>? Creation { get; set; }

        /// <summary>The source ids stored for this subject (its blind-index values), read from the store when first needed; none for a subject created by this run.</summary>
        public HashSet<UInt128>? Sources { get; set; }

        /// <summary>Why this patient's resources are refused (no id, no birth date, lost its external id to a concurrent writer).</summary>
        public string? RefusedCode { get; set; }

        public static Subject RefusedAs(string code) => new(string.Empty) { RefusedCode = code };
    }

    private sealed class BundleContext
    {
        public Subject? Single { get; set; }
    }

    private sealed record Deferred(string Reference, string Element, string Type, byte[] Json, string? Source, string Where);

    /// <summary>A Bundle's resource parsed alone (no document when a property is named twice in it), and its catalog checks.</summary>
    private sealed record Parsed(JsonDocument? Document, Preparation? Preparation);

    /// <summary>Where a Bundle's entry is: its number (from 1), full URL, resource type and the resource's bytes in the Bundle.</summary>
    private readonly record struct BundleEntry(int Number, string? FullUrl, string? Type, int Start, int Length);

    /// <summary>
    /// One JSON text of the input (a <c>.json</c> file or an NDJSON line). A Bundle is not built into a document: one pass of
    /// <see cref="Utf8JsonReader"/> checks that the whole text is well-formed JSON and notes where each entry's resource
    /// is and of what type, and only the resources the catalog declares are parsed, each alone, once (building the
    /// Bundle's document, and checking the duplicate properties of its uncatalogued resources, was a quarter of an
    /// import's CPU). Anything else is parsed whole, duplicate properties refused.
    /// </summary>
    /// <summary>What the scanner reads for a string that is not text: a resource type no catalog declares, refused as malformed.</summary>
    private const string InvalidText = "\0";

    private sealed class JsonText : IDisposable
    {
        private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 128 };

        private JsonText(byte[] bytes) => Bytes = bytes;

        public byte[] Bytes { get; }

        /// <summary>A Bundle's entries that have a resource, in order.</summary>
        public List<BundleEntry>? Entries { get; private init; }

        /// <summary>A text that is not a Bundle. Neither this nor <see cref="Entries"/>: not well-formed JSON, or a property named twice.</summary>
        public JsonDocument? Resource { get; private init; }

        /// <summary>Why a text that is not a Bundle is no text Cordon can store, or null.</summary>
        public string? Problem { get; private init; }

        public static JsonText Parse(byte[] bytes)
        {
            try
            {
                if (ScanBundle(bytes) is { } entries)
                {
                    return new JsonText(bytes) { Entries = entries };
                }

                // One resource alone: text that could not be written back out (invalid UTF-8, a lone surrogate) is refused whole.
                return Core.Json.StrictJson.Check(bytes) is { } bad
                    ? new JsonText(bytes) { Problem = bad.ToString() }
                    : new JsonText(bytes) { Resource = JsonDocument.Parse(bytes, ImportRun.DocumentOptions) };
            }
            catch (JsonException)
            {
                return new JsonText(bytes);
            }
        }

        public void Dispose() => Resource?.Dispose();

        /// <summary>
        /// The entries of a Bundle, or null when the text is not a Bundle (or not an object). Throws <see cref="JsonException"/>
        /// when the text is not one well-formed JSON value, or when a property this reads (the Bundle's <c>resourceType</c>
        /// and <c>entry</c>, an entry's <c>fullUrl</c> and <c>resource</c>, a resource's <c>resourceType</c>) is named twice.
        /// </summary>
        private static List<BundleEntry>? ScanBundle(byte[] bytes)
        {
            var reader = new Utf8JsonReader(bytes, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            string? type = null;
            List<BundleEntry>? entries = null;
            bool seenType = false, seenEntry = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("resourceType"u8))
                {
                    type = StringOnce(ref reader, ref seenType);
                }
                else if (reader.ValueTextEquals("entry"u8))
                {
                    Once(ref seenEntry);
                    reader.Read();
                    entries = reader.TokenType == JsonTokenType.StartArray ? ScanEntries(ref reader) : null;
                    reader.Skip();
                }
                else
                {
                    SkipValue(ref reader);
                }
            }

            // Nothing may follow the Bundle but white space (the reader throws on anything else).
            while (reader.Read())
            {
            }

            return type == "Bundle" ? entries ?? [] : null;
        }

        private static List<BundleEntry> ScanEntries(ref Utf8JsonReader reader)
        {
            var entries = new List<BundleEntry>();
            var number = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                number++;
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                string? fullUrl = null;
                (string? Type, int Start, int Length)? resource = null;
                bool seenUrl = false, seenResource = false;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("fullUrl"u8))
                    {
                        fullUrl = StringOnce(ref reader, ref seenUrl);
                    }
                    else if (reader.ValueTextEquals("resource"u8))
                    {
                        Once(ref seenResource);
                        reader.Read();
                        resource = ScanResource(ref reader);
                    }
                    else
                    {
                        SkipValue(ref reader);
                    }
                }

                if (resource is var (type, start, length))
                {
                    entries.Add(new BundleEntry(number, fullUrl == InvalidText ? null : fullUrl, type, start, length));
                }
            }

            return entries;
        }

        /// <summary>A resource's type and where its bytes are; the reader ends on its last token. No type for a resource that is not an object.</summary>
        private static (string? Type, int Start, int Length) ScanResource(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                return (null, 0, 0);
            }

            var start = checked((int)reader.TokenStartIndex);
            string? type = null;
            var seenType = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("resourceType"u8))
                {
                    type = StringOnce(ref reader, ref seenType);
                }
                else
                {
                    SkipValue(ref reader);
                }
            }

            return (type, start, checked((int)reader.BytesConsumed) - start);
        }

        /// <summary>The value of the property the reader is on: its text if it is a string, else null; the reader ends on the value's last token.</summary>
        private static string? StringOnce(ref Utf8JsonReader reader, ref bool seen)
        {
            Once(ref seen);
            reader.Read();
            string? text = null;
            if (reader.TokenType == JsonTokenType.String)
            {
                try
                {
                    text = reader.GetString();
                }
                catch (InvalidOperationException)
                {
                    // Not text (invalid UTF-8, a lone surrogate): the resource is refused as malformed, alone.
                    text = InvalidText;
                }
            }

            reader.Skip();
            return text;
        }

        /// <summary>Passes over the value of the property the reader is on.</summary>
        private static void SkipValue(ref Utf8JsonReader reader)
        {
            reader.Read();
            reader.Skip();
        }

        private static void Once(ref bool seen)
        {
            if (seen)
            {
                throw new JsonException("A property is named twice.");
            }

            seen = true;
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@" \(line \d+, position \d+\)", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex LinePosition();

    /// <summary>A resource's catalog checks, and the fields dropped to pass them (drop-field).</summary>
    private sealed record Preparation(Core.Result<PreparedRecord> Prepared, IReadOnlyList<string> Dropped);
}
