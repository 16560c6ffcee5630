package io.switchboard.bench.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ClusterProbeTest {

  /** The shape Pekko Management's cluster-http answers GET /cluster/members with. */
  @Test
  void parseMembers_countsUpMembersAndListsUnreachableOnes() throws Exception {
    String json = """
        {"selfNode":"pekko://switchboard@127.0.0.1:25521","leader":"pekko://switchboard@127.0.0.1:25521",
         "oldest":"pekko://switchboard@127.0.0.1:25521",
         "members":[
           {"node":"pekko://switchboard@127.0.0.1:25521","nodeUid":"1","status":"Up","roles":["dc-default"]},
           {"node":"pekko://switchboard@127.0.0.1:25522","nodeUid":"2","status":"Up","roles":["dc-default"]},
           {"node":"pekko://switchboard@127.0.0.1:25523","nodeUid":"3","status":"Joining","roles":["dc-default"]}],
         "unreachable":[{"node":"pekko://switchboard@127.0.0.1:25522","observedBy":["pekko://switchboard@127.0.0.1:25521"]}]}
        """;
    ClusterProbe.Membership m = ClusterProbe.parseMembers(new ObjectMapper().readTree(json));

    assertEquals(3, m.members().size());
    assertEquals(2, m.up());
    assertEquals(List.of("pekko://switchboard@127.0.0.1:25522"), m.unreachable());
  }
}
