import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RENDER_ACTIONS, RenderAction } from '@shuzhi/schema';
import { JOB_STATES, TASK_STATES, jobTransition, taskTransition } from '../src/states.ts';

// The web app shows the controls of RENDER_ACTIONS (it cannot import the engine): the engine's
// transition tables are the rule, so the two must name the same actions in every state.
test('RENDER_ACTIONS lists exactly the controls the job and task transitions allow', () => {
  for (const state of JOB_STATES) {
    const allowed = RenderAction.options.filter((a) => jobTransition(state, a) !== null);
    assert.deepEqual([...RENDER_ACTIONS[state]].sort(), allowed.sort(), `job ${state}`);
  }
  for (const state of TASK_STATES) {
    const allowed = RenderAction.options.filter((a) => taskTransition(state, a) !== null);
    assert.deepEqual([...RENDER_ACTIONS[state]].sort(), allowed.sort(), `task ${state}`);
  }
});
