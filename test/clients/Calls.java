// The calls of test/clients/calls.txt through PgJDBC with its defaults: setString binds varchar,
// setInt int4, setBoolean bool, setNull(VARCHAR) a NULL varchar; nothing is cast in the SQL text.
// Usage: java -cp postgresql.jar:. Calls HOST PORT DATABASE AUTHORITY calls.txt
import java.nio.file.*;
import java.sql.*;
import java.util.*;

public class Calls {
    public static void main(String[] a) throws Exception {
        String url = "jdbc:postgresql://" + a[0] + ":" + a[1] + "/" + a[2];
        String authority = a[3];
        Map<String, Connection> logins = new HashMap<>();
        logins.put("case", DriverManager.getConnection(url + "?user=drv_case"));
        logins.put("intake", DriverManager.getConnection(url + "?user=drv_intake"));
        logins.put("super", DriverManager.getConnection(url + "?user=" + a[5]));
        logins.put("sql", logins.get("super"));
        Map<String, Object> saved = new HashMap<>();
        int n = 0, failed = 0;
        for (String line : Files.readAllLines(Paths.get(a[4]))) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.split("\t", -1);
            String login = f[0], save = f[1], call = f[2].replace("{A}", authority);
            String sql;
            if (login.equals("sql")) {
                sql = call;
            } else {
                sql = "SELECT * FROM " + call + "(" + String.join(", ", Collections.nCopies(f.length - 3, "?")) + ")";
            }
            n++;
            try (PreparedStatement st = logins.get(login).prepareStatement(sql)) {
                for (int i = 3; i < f.length; i++) {
                    String arg = f[i].replace("{A}", authority);
                    int p = i - 2;
                    if (arg.startsWith("s:")) st.setString(p, arg.substring(2));
                    else if (arg.startsWith("i:")) st.setInt(p, Integer.parseInt(arg.substring(2)));
                    else if (arg.startsWith("b:")) st.setBoolean(p, Boolean.parseBoolean(arg.substring(2)));
                    else if (arg.equals("n:")) st.setNull(p, Types.VARCHAR);
                    else if (arg.startsWith("$")) {
                        Object v = saved.get(arg.substring(1));
                        if (v instanceof Long) st.setLong(p, (Long) v);
                        else if (v instanceof Integer) st.setInt(p, (Integer) v);
                        else st.setString(p, v == null ? null : v.toString());
                    } else throw new IllegalArgumentException("bad argument " + arg);
                }
                try (ResultSet rs = st.executeQuery()) {
                    if (!save.equals("-")) {
                        String name = save, column = null;
                        if (save.contains("=")) { name = save.split("=")[0]; column = save.split("=")[1]; }
                        Object value = null;
                        while (rs.next()) {
                            value = column == null ? rs.getObject(1) : rs.getObject(column);
                            if (column == null || value != null) break;
                        }
                        if (value == null) throw new SQLException("nothing to save as " + name);
                        saved.put(name, value);
                    }
                }
                System.out.println("ok " + n + " - jdbc " + login + " " + call + " (" + (f.length - 3) + " parameters)");
            } catch (SQLException e) {
                failed++;
                System.out.println("not ok " + n + " - jdbc " + login + " " + call + ": " + e.getSQLState() + " " + e.getMessage());
            }
        }
        System.exit(failed == 0 ? 0 : 1);
    }
}
