using System.Diagnostics;
using System.Security.Cryptography;
using Cordon.Server.Import;
using Cordon.Server.Tenancy;
using Cordon.Storage;
using Cordon.Storage.Keys;
using Microsoft.Data.Sqlite;

namespace Cordon.Load;

/// <summary>
/// <c>cordon import</c>'s path (in process: <see cref="FhirImport"/> over the Synthea bundles, every record classified,
/// minimised, decided, sealed and audited, group-committed on SQLite with WAL and synchronous=FULL) against a bare
/// batched SQLite insert of the same rows: the same number of rows of the same byte sizes into the same table and
/// index, with the same pragmas, one transaction per batch of the same size, one prepared statement, no crypto.
/// </summary>
internal static class ImportBench
{
    private const int BatchSize = 512;
    private const int Runs = 3;

    public static async Task<List<ScenarioResult>> RunAsync(string synthea, int passes, TextWriter log)
    {
        var files = Directory.GetFiles(synthea, "*.json").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw new ArgumentException($"No FHIR bundles (*.json) in {synthea}.", nameof(synthea));
        }

        using var copies = new PassCopies(files, passes);

        // Warm-up until the JIT has tiered the import path up (the first runs are measurably slower).
        log.WriteLine($"import: warm-up, 3 runs of {passes} passes over {files.Count} Synthea bundles");
        for (var warm = 0; warm < 3; warm++)
        {
            var rows = (await ImportAsync(copies.Input, InvalidValueHandling.DropField)).Rows;
            await BareInsertAsync(rows);
        }


        var results = new List<ScenarioResult>();
        var single = await ImportAsync(files, InvalidValueHandling.Refuse);
        results.Add(Result("import-synthea-refuse", single.Report, null, null, "cordon import of the 13 Synthea bundles once, --on-invalid refuse (11 Patients with US phones and 1 Practitioner with a malformed e-mail refused)"));
        var once = await ImportAsync(files, InvalidValueHandling.DropField);
        results.Add(Result("import-synthea", once.Report, null, null, "cordon import of the 13 Synthea bundles once, --on-invalid drop-field"));

        log.WriteLine($"import: {passes} passes over the Synthea bundles, then a bare insert of the same rows");
        // Three runs of each, fresh files every time; the median run is reported (fsync times vary on a shared disk).
        var everything = new Dictionary<string, List<object?[]>>(StringComparer.Ordinal);
        var imports = new List<(ImportReport Report, List<(int Subject, string Type, int Bytes)> Rows, double CpuCores)>();
        var bares = new List<(long Rows, double Seconds, double RowsPerSecond)>();
        var sames = new List<(long Rows, double Seconds)>();
        for (var run = 0; run < Runs; run++)
        {
            imports.Add(await ImportAsync(copies.Input, InvalidValueHandling.DropField, run == 0 ? everything : null));
            bares.Add(await BareInsertAsync(imports[0].Rows));
            sames.Add(await SameRowsAsync(everything));
        }

        var measured = imports.OrderBy(i => i.Report.Elapsed).ElementAt(Runs / 2);
        var bare = bares.OrderBy(b => b.Seconds).ElementAt(Runs / 2);
        var same = sames.OrderBy(b => b.Seconds).ElementAt(Runs / 2);
        log.WriteLine($"import: runs {string.Join(", ", imports.Select(i => $"{i.Report.Elapsed.TotalSeconds:0.000} s ({i.CpuCores:0.00} cores)"))}; bare insert {string.Join(", ", bares.Select(b => $"{b.Seconds:0.000} s"))}; same rows {string.Join(", ", sames.Select(b => $"{b.Seconds:0.000} s"))}");
        var importResult = Result("import", measured.Report, "bare-insert", measured.Report.RecordsPerSecond / bare.RowsPerSecond,
            $"cordon import of the Synthea bundles x{passes} (drop-field), {measured.Rows.Count} records, {measured.Rows.Sum(r => (long)r.Bytes) / measured.Rows.Count} B sealed on average");
        results.Add(importResult);
        results.Add(new ScenarioResult("bare-insert", bare.Rows, Math.Round(bare.Seconds, 3), Math.Round(bare.RowsPerSecond, 1), null, null, 0, null, null,
            Note: $"Microsoft.Data.Sqlite, same table, index and pragmas (WAL, synchronous=FULL), {BatchSize} rows per transaction, one prepared INSERT, same row count and blob sizes"));
        var sameRate = measured.Rows.Count / same.Seconds;
        results.Add(new ScenarioResult("import-vs-same-rows", measured.Report.RecordsStored, Math.Round(measured.Report.Elapsed.TotalSeconds, 3), Math.Round(measured.Report.RecordsPerSecond, 1), null, null, 0, "bare-insert-same-rows", Math.Round(measured.Report.RecordsPerSecond / sameRate, 3),
            Note: "the same import against a bare insert of every row it wrote (records, audit entries, lookups, subjects, keys), copied byte for byte"));
        results.Add(new ScenarioResult("bare-insert-same-rows", measured.Rows.Count, Math.Round(same.Seconds, 3), Math.Round(sameRate, 1), null, null, 0, null, null,
            Note: string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{same.Rows} rows of {ImportTables.Length} tables (Cordon's schema and indexes, same pragmas), {BatchSize} rows per transaction, prepared INSERTs; throughput counted in records")));
        return results;
    }

    private static ScenarioResult Result(string scenario, ImportReport report, string? baseline, double? ratio, string note)
        => new(scenario, report.RecordsStored, Math.Round(report.Elapsed.TotalSeconds, 3), Math.Round(report.RecordsPerSecond, 1), null, null, report.RefusedTotal, baseline, ratio is null ? null : Math.Round(ratio.Value, 3), Note: note);

    /// <summary>
    /// The input of a run of several passes: the bundles themselves, then for each further pass a copy in which every
    /// resource but the Patient has its id suffixed with the pass. An import stores a resource once per subject (by type
    /// and id), so plain repeats would be counted as already stored; with the copies every pass stores its records
    /// again for the same 11 subjects, as the figures before idempotent imports did (less the Patient records).
    /// </summary>
    private sealed class PassCopies : IDisposable
    {
        private readonly string? _directory;

        public PassCopies(List<string> files, int passes)
        {
            Input = [.. files];
            if (passes <= 1)
            {
                return;
            }

            _directory = Directory.CreateTempSubdirectory("cordon-import-passes-").FullName;
            var options = new System.Text.Json.JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            for (var pass = 2; pass <= passes; pass++)
            {
                foreach (var file in files)
                {
                    var bundle = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllBytes(file))!;
                    foreach (var entry in bundle["entry"]!.AsArray())
                    {
                        var resource = entry!["resource"]!;
                        if (resource["resourceType"]!.GetValue<string>() != "Patient" && resource["id"] is { } id)
                        {
                            resource["id"] = $"{id.GetValue<string>()}-p{pass}";
                        }
                    }

                    var copy = Path.Combine(_directory, $"{pass:D3}-{Path.GetFileName(file)}");
                    using (var stream = File.Create(copy))
                    using (var writer = new System.Text.Json.Utf8JsonWriter(stream, options))
                    {
                        bundle.WriteTo(writer);
                    }

                    Input.Add(copy);
                }
            }
        }

        public List<string> Input { get; }

        public void Dispose()
        {
            if (_directory is not null)
            {
                Directory.Delete(_directory, recursive: true);
            }
        }
    }

    /// <summary>The tables an import writes, copied row for row into a fresh database by the "same rows" baseline.</summary>
    private static readonly string[] ImportTables = ["subjects", "subject_keys", "lookups", "records", "audit_entries"];

    private static async Task<(ImportReport Report, List<(int Subject, string Type, int Bytes)> Rows, double CpuCores)> ImportAsync(List<string> input, InvalidValueHandling onInvalid, Dictionary<string, List<object?[]>>? everything = null)
    {
        var directory = Directory.CreateTempSubdirectory("cordon-import-bench-").FullName;
        try
        {
            var now = DateTimeOffset.UtcNow;
            await DataDirectory.InitializeAsync(directory, null, "default", BuiltInProfiles.Load(), now, CancellationToken.None);
            ImportReport report;
            double cpu;
            await using (var store = await CordonStores.OpenAsync(directory, null))
            {
                var registry = new TenantRegistry(KeyFile.Open(KeyFile.PathIn(directory)));
                await registry.LoadAsync(store, CancellationToken.None);
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                report = await FhirImport.RunAsync(registry.Find("default")!, store, input, new ImportOptions { OnInvalid = onInvalid, BatchSize = BatchSize }, TimeProvider.System, null, CancellationToken.None);
                cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            }

            var rows = new List<(int, string, int)>();
            var subjects = new Dictionary<string, int>(StringComparer.Ordinal);
            await using (var connection = new SqliteConnection($"Data Source={Path.Combine(directory, CordonStores.SqliteFileName)};Pooling=False"))
            {
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT subject, type, length(sealed) FROM records ORDER BY rowid";
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    var subject = reader.GetString(0);
                    if (!subjects.TryGetValue(subject, out var n))
                    {
                        subjects[subject] = n = subjects.Count;
                    }

                    rows.Add((n, reader.GetString(1), reader.GetInt32(2)));
                }
            }

            if (everything is not null)
            {
                await using var source = new SqliteConnection($"Data Source={Path.Combine(directory, CordonStores.SqliteFileName)};Pooling=False");
                await source.OpenAsync();
                await AttachKeyStoreAsync(source, Path.Combine(directory, CordonStores.SqliteFileName));
                foreach (var table in ImportTables)
                {
                    await using var command = source.CreateCommand();
                    command.CommandText = $"SELECT * FROM {table} WHERE tenant = 'default'" + (table == "audit_entries" ? " AND action <> 'tenant.create'" : string.Empty) + " ORDER BY rowid";
                    await using var reader = await command.ExecuteReaderAsync();
                    var list = everything[table] = [];
                    while (await reader.ReadAsync())
                    {
                        var values = new object?[reader.FieldCount];
                        reader.GetValues(values!);
                        list.Add(values);
                    }
                }
            }

            return (report, rows, cpu / report.Elapsed.TotalSeconds);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Subject keys live in their own file beside the database (<c>cordon.keys.db</c>), attached as <c>keystore</c>.</summary>
    private static async Task AttachKeyStoreAsync(SqliteConnection connection, string databasePath)
    {
        await using var attach = connection.CreateCommand();
        attach.CommandText = "ATTACH DATABASE $path AS keystore";
        attach.Parameters.AddWithValue("$path", Path.Combine(Path.GetDirectoryName(databasePath)!, Path.GetFileNameWithoutExtension(databasePath) + ".keys.db"));
        await attach.ExecuteNonQueryAsync();
    }

    private static async Task<(long Rows, double Seconds)> SameRowsAsync(Dictionary<string, List<object?[]>> everything)
    {
        var directory = Directory.CreateTempSubdirectory("cordon-same-rows-").FullName;
        try
        {
            // Cordon's own schema (migrations) in a fresh file, then nothing but batched prepared INSERTs.
            await (await CordonStores.OpenSqliteAsync(Path.Combine(directory, "same.db"))).DisposeAsync();
            SqliteConnection.ClearAllPools();
            await using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "same.db")};Pooling=False");
            await connection.OpenAsync();
            await AttachKeyStoreAsync(connection, Path.Combine(directory, "same.db"));
            await using (var pragma = connection.CreateCommand())
            {
                pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA keystore.journal_mode=WAL; PRAGMA keystore.synchronous=FULL;";
                await pragma.ExecuteNonQueryAsync();
            }

            var rows = 0L;
            var clock = Stopwatch.StartNew();
            foreach (var (table, list) in everything)
            {
                if (list.Count == 0)
                {
                    continue;
                }

                await using var columns = connection.CreateCommand();
                columns.CommandText = $"SELECT * FROM {table} LIMIT 0";
                List<string> names;
                await using (var reader = await columns.ExecuteReaderAsync())
                {
                    names = [.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetName)];
                }

                await using var insert = connection.CreateCommand();
                insert.CommandText = $"INSERT INTO {table} ({string.Join(", ", names)}) VALUES ({string.Join(", ", names.Select((_, i) => "@p" + i))})";
                var parameters = names.Select((_, i) => insert.Parameters.Add(new SqliteParameter("@p" + i, null))).ToList();
                for (var start = 0; start < list.Count; start += BatchSize)
                {
                    await using var transaction = await connection.BeginTransactionAsync();
                    insert.Transaction = (SqliteTransaction)transaction;
                    for (var i = start; i < Math.Min(list.Count, start + BatchSize); i++)
                    {
                        var values = list[i];
                        for (var c = 0; c < parameters.Count; c++)
                        {
                            parameters[c].Value = values[c] ?? DBNull.Value;
                        }

                        await insert.ExecuteNonQueryAsync();
                        rows++;
                    }

                    await transaction.CommitAsync();
                }
            }

            clock.Stop();
            return (rows, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<(long Rows, double Seconds, double RowsPerSecond)> BareInsertAsync(List<(int Subject, string Type, int Bytes)> rows)
    {
        var directory = Directory.CreateTempSubdirectory("cordon-bare-insert-").FullName;
        try
        {
            var blobs = rows.Select(r => RandomNumberGenerator.GetBytes(r.Bytes)).ToList();
            var ids = rows.Select(_ => "rec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))).ToList();
            var subjectIds = rows.Select(r => r.Subject).Distinct().ToDictionary(s => s, _ => "sub_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
            await using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "bare.db")};Pooling=False");
            await connection.OpenAsync();
            await using (var setup = connection.CreateCommand())
            {
                setup.CommandText = """
                    PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
                    CREATE TABLE records (tenant TEXT NOT NULL, id TEXT NOT NULL, subject TEXT NOT NULL, type TEXT NOT NULL, version INTEGER NOT NULL,
                        level INTEGER NOT NULL, purpose TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, sealed BLOB NOT NULL, PRIMARY KEY (tenant, id));
                    CREATE INDEX records_subject ON records (tenant, subject, type);
                    """;
                await setup.ExecuteNonQueryAsync();
            }

            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO records (tenant, id, subject, type, version, level, purpose, created_at, updated_at, sealed) VALUES (@tenant, @id, @subject, @type, 1, 4, @purpose, @created, @updated, @sealed)";
            var tenant = insert.Parameters.Add("@tenant", SqliteType.Text);
            var id = insert.Parameters.Add("@id", SqliteType.Text);
            var subject = insert.Parameters.Add("@subject", SqliteType.Text);
            var type = insert.Parameters.Add("@type", SqliteType.Text);
            var purpose = insert.Parameters.Add("@purpose", SqliteType.Text);
            var created = insert.Parameters.Add("@created", SqliteType.Integer);
            var updated = insert.Parameters.Add("@updated", SqliteType.Integer);
            var sealedBlob = insert.Parameters.Add("@sealed", SqliteType.Blob);
            tenant.Value = "default";
            purpose.Value = "record-keeping";
            var clock = Stopwatch.StartNew();
            for (var start = 0; start < rows.Count; start += BatchSize)
            {
                await using var transaction = await connection.BeginTransactionAsync();
                insert.Transaction = (SqliteTransaction)transaction;
                for (var i = start; i < Math.Min(rows.Count, start + BatchSize); i++)
                {
                    var millis = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    id.Value = ids[i];
                    subject.Value = subjectIds[rows[i].Subject];
                    type.Value = rows[i].Type;
                    created.Value = millis;
                    updated.Value = millis;
                    sealedBlob.Value = blobs[i];
                    await insert.ExecuteNonQueryAsync();
                }

                await transaction.CommitAsync();
            }

            clock.Stop();
            return (rows.Count, clock.Elapsed.TotalSeconds, rows.Count / clock.Elapsed.TotalSeconds);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
